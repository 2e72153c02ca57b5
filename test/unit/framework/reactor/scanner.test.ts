import assert from 'node:assert/strict';
import { Container, inject, optional } from 'inversify';
import { EchoChannel, EchoMessage, Ping, Pong, ECHO_CHANNEL_ID, type Ping as PingT, type Pong as PongT } from '../../../../reactors/echo/echo-channel.js';
import { Channel, Every, OnMessage, OnPeerUpdate, Reactor, type MessageContext } from '../../../../framework/reactor/decorators.js';
import { ReactorDefinitionError, ReactorScanner } from '../../../../framework/reactor/scanner.js';
import type { ChannelHandle } from '../../../../framework/router/channel.js';
import { defineChannel } from '../../../../framework/router/channel-definition.js';
import type { ReactorClass } from '../../../../framework/reactor/metadata.js';
import type { PeerUpdate } from '../../../../framework/peer/types.js';
import { LOG_LEVEL, RouterRig, settle, until } from '../../../support/router-rig.js';
import { trackTimers } from '../../../support/timer-tracker.js';

function ping(content: string): Uint8Array {
  return EchoMessage.encode({ ping: { content } }).finish();
}

/** A reactor whose handlers fail on cue: a ping saying "throw" or "reject" fails, any other is answered. */
@Reactor('answering')
class Answering {
  @Channel(EchoChannel) readonly echo!: ChannelHandle<PingT | PongT>;
  readonly handled: string[] = [];
  readonly updates: PeerUpdate[] = [];
  failNextUpdate = false;

  @OnMessage(Ping) onPing(message: PingT, context: MessageContext<PingT | PongT>): unknown {
    this.handled.push(message.content);
    if (message.content === 'throw') throw new Error('handler bug');
    if (message.content === 'reject') return Promise.reject(new Error('async handler bug'));
    context.channel.send(context.from, Pong.create({ content: message.content }));
    return undefined;
  }

  @OnPeerUpdate() onUpdate(update: PeerUpdate): void {
    if (this.failNextUpdate) {
      this.failNextUpdate = false;
      throw new Error('update handler bug');
    }
    this.updates.push(update);
  }
}

/**
 * ReactorScanner: wires decorated reactors to channels, peer updates and
 * timers. Every handler and timer runs so that neither a throw nor a
 * rejection escapes; stop() undoes everything.
 */
describe('ReactorScanner', () => {
  let rig: RouterRig;
  let scanner: ReactorScanner;
  let container: Container;

  async function boot(reactors: readonly ReactorClass[]): Promise<void> {
    rig = new RouterRig();
    container = new Container();
    scanner = new ReactorScanner(container, rig.router, rig.pm, rig.logger);
    scanner.wire(reactors);
    await rig.pm.start();
    await rig.router.start();
    await scanner.start();
  }

  function instance<T>(cls: abstract new (...args: never[]) => T): T {
    return scanner.instances().find((r) => r instanceof cls) as T;
  }

  afterEach(async () => {
    await scanner?.stop();
    await rig?.stop();
  });

  it('opens the declared channel, assigns its handle, and dispatches messages by type with their context', async () => {
    await boot([Answering]);
    const reactor = instance(Answering);
    assert.equal(reactor.echo.id, ECHO_CHANNEL_ID);
    assert.equal(rig.router.channel(ECHO_CHANNEL_ID), reactor.echo);
    const { connection } = await rig.routeInbound();
    connection.deliver(ECHO_CHANNEL_ID, ping('hello'));
    await until(() => connection.sent.length === 1, 'the answer');
    assert.deepEqual(reactor.handled, ['hello']);
    assert.equal(EchoMessage.decode(connection.sent[0]!.bytes).pong?.content, 'hello', 'answered to the sender');
  });

  it('counts and logs a handler that throws or rejects, and handles the next message', async () => {
    await boot([Answering]);
    const reactor = instance(Answering);
    const { connection } = await rig.routeInbound();
    for (const content of ['throw', 'reject', 'fine']) connection.deliver(ECHO_CHANNEL_ID, ping(content));
    await until(() => connection.sent.length === 1, 'the answer to the good message');
    await until(() => reactor.echo.stats().handlerErrors === 2, 'both failures to be counted');
    assert.deepEqual(reactor.handled, ['throw', 'reject', 'fine']);
    // Both failures are an Error from onPing: one line, the repeat only counted.
    const failures = rig.logs.filter((l) => l.msg?.startsWith('reactor handler failed'));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.level, LOG_LEVEL.error);
    assert.equal(failures[0]!.reactor, 'answering');
    assert.equal(failures[0]!.handler, 'onPing');
    assert.deepEqual(rig.router.connectedPeers().length, 1, 'a handler failure is never the peer’s fault');
  });

  it('reports a message no handler takes as a non-fatal peer error', async () => {
    await boot([Answering]);
    const { peer, connection } = await rig.routeInbound();
    const peerError = rig.nextEvent('peer-error');
    connection.deliver(ECHO_CHANNEL_ID, EchoMessage.encode({ pong: { content: 'unasked' } }).finish());
    const event = await peerError;
    assert.equal(event.nodeId, peer.nodeId);
    assert.equal(event.error.name, 'UnhandledMessageError');
    assert.equal(event.fatal, false);
  });

  it('keeps delivering peer updates after an update handler throws', async () => {
    await boot([Answering]);
    const reactor = instance(Answering);
    reactor.failNextUpdate = true;
    const first = await rig.routeInbound();
    const second = await rig.routeInbound();
    await until(() => reactor.updates.length === 1, 'the second update');
    assert.deepEqual(reactor.updates.map((u) => [u.nodeId, u.status]), [[second.peer.nodeId, 'up']]);
    first.connection.hangUp();
    await until(() => reactor.updates.length === 2, 'the down update');
    assert.deepEqual(reactor.updates[1]!.status, 'down');
  });

  it('keeps calling a timer whose method throws', async () => {
    @Reactor('failing-timer')
    class FailingTimer {
      ticks = 0;
      @Every(1) tick(): void {
        this.ticks++;
        throw new Error('tick bug');
      }
    }
    await boot([FailingTimer]);
    await until(() => instance(FailingTimer).ticks >= 3, 'three ticks');
    assert.equal(rig.logs.filter((l) => l.msg?.startsWith('reactor handler failed') && l.handler === 'tick').length, 1, 'logged once, then counted');
  });

  it('skips ticks while the previous async run of a timer is still going', async () => {
    let finish!: () => void;
    @Reactor('slow-timer')
    class SlowTimer {
      slowRuns = 0;
      fastTicks = 0;
      @Every(1) async slow(): Promise<void> {
        this.slowRuns++;
        if (this.slowRuns === 1) await new Promise<void>((resolve) => (finish = resolve));
      }
      @Every(1) fast(): void {
        this.fastTicks++;
      }
    }
    await boot([SlowTimer]);
    const reactor = instance(SlowTimer);
    await until(() => reactor.fastTicks >= 10, 'ten ticks of the fast timer');
    assert.equal(reactor.slowRuns, 1, 'no second run while the first is pending');
    finish();
    await until(() => reactor.slowRuns >= 2, 'the slow timer to run again');
  });

  it('stop() clears every timer, calls every onStop even when one throws, and detaches the handlers', async () => {
    const stopped: string[] = [];
    @Reactor('first')
    class First {
      @Channel(EchoChannel) readonly echo!: ChannelHandle<PingT | PongT>;
      handled = 0;
      @OnMessage(Ping) onPing(): void {
        this.handled++;
      }
      @Every('1h') idle(): void {}
      onStop(): void {
        stopped.push('first');
      }
    }
    @Reactor('second')
    class Second {
      @Every(1) busy(): void {}
      async onStop(): Promise<void> {
        stopped.push('second');
        throw new Error('onStop bug');
      }
    }
    const timers = trackTimers();
    try {
      await boot([First, Second]);
      const { connection } = await rig.routeInbound();
      await scanner.stop();
      assert.deepEqual(stopped, ['second', 'first'], 'in reverse order, past the one that threw');
      assert.ok(rig.logs.some((l) => l.msg === 'reactor onStop failed' && l.reactor === 'second'));
      connection.deliver(ECHO_CHANNEL_ID, ping('after stop'));
      await settle();
      assert.equal(instance(First).handled, 0, 'handlers are detached');
      await rig.stop();
      assert.deepEqual(timers.live(), []);
    } finally {
      timers.restore();
    }
  });

  it('leaves no timer when a later reactor’s onStart fails and the node stops', async () => {
    @Reactor('ticking')
    class Ticking {
      @Every(1) tick(): void {}
    }
    @Reactor('broken-start')
    class BrokenStart {
      onStart(): void {
        throw new Error('cannot start');
      }
    }
    const timers = trackTimers();
    try {
      await assert.rejects(boot([Ticking, BrokenStart]), /cannot start/);
      await scanner.stop();
      await rig.stop();
      assert.deepEqual(timers.live(), []);
    } finally {
      timers.restore();
    }
  });

  it('sizes a channel declared as a function of the reactor from the built instance', async () => {
    @Reactor('sized')
    class Sized {
      readonly limit = 4321;
      @Channel((self: Sized) => ({ ...EchoChannel, recvMessageCapacity: self.limit })) readonly echo!: ChannelHandle<PingT | PongT>;
    }
    await boot([Sized]);
    assert.equal(instance(Sized).echo.definition.recvMessageCapacity, 4321);
    assert.equal(rig.router.channel(ECHO_CHANNEL_ID)?.definition.recvMessageCapacity, 4321);
  });

  it('gives a reactor another reactor of the node as a dependency, whichever is listed first', async () => {
    @Reactor('source')
    class Source {}
    @Reactor('user')
    class User {
      constructor(@inject(Source) @optional() readonly source?: Source) {}
    }
    await boot([User, Source]);
    assert.equal(instance(User).source, instance(Source));
  });

  it('leaves an optional reactor dependency undefined when that reactor does not run', async () => {
    @Reactor('absent-source')
    class Source {}
    @Reactor('lonely-user')
    class User {
      constructor(@inject(Source) @optional() readonly source?: Source) {}
    }
    await boot([User]);
    assert.equal(instance(User).source, undefined);
  });

  describe('refuses reactors whose decorators do not add up, before any peer connects', () => {
    function wireOnly(reactors: readonly ReactorClass[]): void {
      rig = new RouterRig();
      scanner = new ReactorScanner(new Container(), rig.router, rig.pm, rig.logger);
      scanner.wire(reactors);
    }

    it('a class without @Reactor', () => {
      class Plain {}
      assert.throws(() => wireOnly([Plain]), ReactorDefinitionError);
    });

    it('two reactors declaring one channel, naming both', () => {
      @Reactor('one')
      class One {
        @Channel(EchoChannel) readonly echo!: ChannelHandle<PingT | PongT>;
      }
      @Reactor('two')
      class Two {
        @Channel(EchoChannel) readonly echo!: ChannelHandle<PingT | PongT>;
      }
      assert.throws(() => wireOnly([One, Two]), (error: Error) => error instanceof ReactorDefinitionError && /one and two/.test(error.message));
    });

    it('a handler for a type none of its channels carries', () => {
      const pongsOnly = defineChannel({ id: 0x71, name: 'pongs', messageType: Pong });
      @Reactor('mismatch')
      class Mismatch {
        @Channel(pongsOnly) readonly pongs!: ChannelHandle<PongT>;
        @OnMessage(Ping) onPing(): void {}
      }
      assert.throws(() => wireOnly([Mismatch]), /handles Ping, but none of the reactor's channels carries it/);
    });

    it('an @Every interval that is not positive', () => {
      @Reactor('never')
      class Never {
        @Every(0) tick(): void {}
      }
      assert.throws(() => wireOnly([Never]), /interval must be > 0/);
    });
  });
});
