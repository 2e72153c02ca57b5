import type { Container } from 'inversify';
import { P2PError, toError } from '../errors/base.js';
import type { Logger } from '../logging/logger.js';
import type { Router } from '../router/router.js';
import type { ChannelRuntime } from '../router/channel.js';
import type { InboundEnvelope } from '../router/envelope.js';
import type { MessageClass } from '../router/message-type.js';
import { validateChannelDefinition, type ChannelDefinition } from '../router/channel-definition.js';
import type { PeerManager } from '../peer/peer-manager.js';
import { parseDuration } from '../util/duration.js';
import { META, readMeta, reactorMeta, type ReactorClass, type ChannelMeta, type MessageHandlerMeta, type TimerMeta } from './metadata.js';
import type { MessageContext, ReactorLifecycle } from './decorators.js';

/** A reactor's decorators do not add up (checked at boot, before any peer connects). */
export class ReactorDefinitionError extends P2PError {
  override name = 'ReactorDefinitionError';
}

/** A peer sent a message type the reactor has no handler for. */
export class UnhandledMessageError extends P2PError {
  override name = 'UnhandledMessageError';
}

type ResolvedChannelMeta = ChannelMeta & { readonly definition: ChannelDefinition<unknown, unknown> };

interface WiredReactor {
  readonly name: string;
  readonly instance: object & ReactorLifecycle;
  readonly channels: ChannelRuntime<unknown, unknown>[];
  readonly subscriptions: Array<{ unsubscribe(): void }>;
  readonly timers: NodeJS.Timeout[];
  readonly timerSpecs: { method: string | symbol; intervalMs: number }[];
}

type AnyMethod = (...args: unknown[]) => unknown;

/** Distinct handler failures logged with their stack; past this, every failure is only counted. */
const MAX_LOGGED_FAILURES = 256;

/**
 * Turns reactor metadata into wiring. `wire` runs before the router starts
 * (so handshakes advertise the reactors' channels); `start` runs after it,
 * starting timers and `onStart` hooks; `stop` undoes everything.
 */
export class ReactorScanner {
  private readonly wired: WiredReactor[] = [];
  private readonly log: Logger;
  /**
   * Handler failures already logged, by reactor, handler and error name. A
   * handler that throws on some input throws on every copy a peer sends, so
   * a repeat is counted (the channel's `handlerErrors`), not logged again.
   */
  private readonly loggedFailures = new Set<string>();

  constructor(
    private readonly container: Container,
    private readonly router: Router,
    private readonly peerManager: PeerManager,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'reactors' });
  }

  /**
   * Instantiates each reactor through the container and opens its channels.
   * Every class is bound before any is built, so a reactor may take another
   * reactor of the node as a constructor dependency (`@inject(OtherReactor)
   * @optional()` is undefined when that one does not run).
   */
  wire(classes: readonly ReactorClass[]): object[] {
    const newables = classes.map((cls) => {
      if (!reactorMeta(cls)) throw new ReactorDefinitionError(`${cls.name} is not decorated with @Reactor()`);
      const newable = cls as unknown as new (...args: any[]) => object & ReactorLifecycle;
      if (!this.container.isBound(newable)) this.container.bind(newable).toSelf().inSingletonScope();
      return newable;
    });
    for (const [index, cls] of classes.entries()) {
      const instance = this.container.get(newables[index]!) as object & ReactorLifecycle;
      this.wired.push(this.wireOne(reactorMeta(cls)!.name, instance, cls));
    }
    return this.wired.map((w) => w.instance);
  }

  async start(): Promise<void> {
    for (const reactor of this.wired) {
      await reactor.instance.onStart?.();
      for (const { method, intervalMs } of reactor.timerSpecs) {
        reactor.timers.push(this.startTimer(reactor, method, intervalMs));
      }
      this.log.debug({ reactor: reactor.name, channels: reactor.channels.map((c) => c.id) }, 'reactor started');
    }
  }

  async stop(): Promise<void> {
    for (const reactor of [...this.wired].reverse()) {
      for (const timer of reactor.timers) clearInterval(timer);
      reactor.timers.length = 0;
      try {
        await reactor.instance.onStop?.();
      } catch (error) {
        this.log.error({ reactor: reactor.name, err: error }, 'reactor onStop failed');
      }
      for (const sub of reactor.subscriptions) sub.unsubscribe();
    }
  }

  instances(): object[] {
    return this.wired.map((w) => w.instance);
  }

  private wireOne(name: string, instance: object & ReactorLifecycle, cls: ReactorClass): WiredReactor {
    const channelMetas = readMeta<ChannelMeta>(META.channels, cls).map((meta) => this.resolveChannel(name, instance, meta));
    const handlers = readMeta<MessageHandlerMeta>(META.messageHandlers, cls);
    const reactor: WiredReactor = {
      name,
      instance,
      channels: [],
      subscriptions: [],
      timers: [],
      timerSpecs: readMeta<TimerMeta>(META.timers, cls).map((t) => ({
        method: t.method,
        intervalMs: parseDuration(typeof t.interval === 'function' ? t.interval(instance) : t.interval),
      })),
    };
    for (const spec of reactor.timerSpecs) {
      if (spec.intervalMs <= 0) throw new ReactorDefinitionError(`${name}.${String(spec.method)}: @Every interval must be > 0 ms`);
    }
    this.checkHandlers(name, channelMetas, handlers);

    for (const { property, definition, consume } of channelMetas) {
      const holder = this.wired.find((w) => w.channels.some((c) => c.id === definition.id));
      if (holder !== undefined) {
        throw new ReactorDefinitionError(
          `reactors ${holder.name} and ${name} both declare channel 0x${definition.id.toString(16).padStart(2, '0')} (${definition.name}); ` +
            'a channel belongs to one reactor: enable only one of them ([reactors] enabled, or the reactors given to createNode)',
        );
      }
      const channel = this.router.openChannel(definition);
      reactor.channels.push(channel);
      (instance as Record<string | symbol, unknown>)[property] = channel;
      try {
        reactor.subscriptions.push(channel.consume((envelope) => this.dispatch(reactor, channel, handlers, envelope), consume));
      } catch (error) {
        throw new ReactorDefinitionError(`${name}.${String(property)}: ${toError(error).message}`, { cause: error });
      }
    }
    for (const method of readMeta<string | symbol>(META.peerUpdateHandlers, cls)) {
      const fn = this.method(instance, method);
      reactor.subscriptions.push(
        this.peerManager.subscribe().subscribe((update) => this.invoke(reactor, method, () => fn.call(instance, update))),
      );
    }
    return reactor;
  }

  /** A channel declared as a function of the reactor gets its definition now, from the built instance. */
  private resolveChannel(name: string, instance: object, meta: ChannelMeta): ResolvedChannelMeta {
    if (typeof meta.definition !== 'function') return { ...meta, definition: meta.definition };
    let definition: ChannelDefinition<unknown, unknown>;
    try {
      definition = meta.definition(instance);
      validateChannelDefinition(definition);
    } catch (error) {
      throw new ReactorDefinitionError(`${name}.${String(meta.property)}: ${toError(error).message}`, { cause: error });
    }
    return { ...meta, definition };
  }

  private checkHandlers(name: string, channels: readonly ResolvedChannelMeta[], handlers: readonly MessageHandlerMeta[]): void {
    for (const handler of handlers) {
      if (handler.type === undefined) continue;
      const carriers = channels.filter(
        (c) => (handler.channelId === undefined || c.definition.id === handler.channelId) && c.definition.innerTypes.includes(handler.type!),
      );
      if (carriers.length === 0) {
        throw new ReactorDefinitionError(`${name}.${String(handler.method)} handles ${handler.type.name}, but none of the reactor's channels carries it`);
      }
      if (carriers.length > 1) {
        throw new ReactorDefinitionError(`${name}.${String(handler.method)}: ${handler.type.name} is carried by several channels; pass { channel: id }`);
      }
    }
  }

  private dispatch(
    reactor: WiredReactor,
    channel: ChannelRuntime<unknown, unknown>,
    handlers: readonly MessageHandlerMeta[],
    envelope: InboundEnvelope<unknown>,
  ): unknown {
    const type = (envelope.message as object).constructor as MessageClass;
    const handler =
      handlers.find((h) => h.type === type && (h.channelId === undefined || h.channelId === channel.id)) ??
      handlers.find((h) => h.type === undefined && (h.channelId === undefined || h.channelId === channel.id));
    if (handler === undefined) {
      channel.errors.next({
        nodeId: envelope.from,
        error: new UnhandledMessageError(`reactor ${reactor.name} has no handler for ${type?.name ?? typeof envelope.message} on channel ${channel.definition.name}`),
      });
      return;
    }
    const context: MessageContext<unknown> = { from: envelope.from, channelId: channel.id, channel };
    const fn = this.method(reactor.instance, handler.method);
    // The consumer awaits what an async handler returns, which is what bounds its concurrency.
    return this.invoke(reactor, handler.method, () => fn.call(reactor.instance, envelope.message, context), channel);
  }

  /** Runs a handler so that neither a throw nor a rejected promise escapes. */
  private invoke(reactor: WiredReactor, method: string | symbol, run: () => unknown, channel?: ChannelRuntime<unknown, unknown>): unknown {
    const fail = (error: unknown) => {
      channel?.countHandlerError();
      const err = toError(error);
      const key = `${reactor.name}\0${String(method)}\0${err.name}`;
      if (this.loggedFailures.has(key) || this.loggedFailures.size >= MAX_LOGGED_FAILURES) return;
      this.loggedFailures.add(key);
      this.log.error({ reactor: reactor.name, handler: String(method), err }, 'reactor handler failed (repeats are counted, not logged)');
    };
    try {
      const result = run();
      if (result instanceof Promise) return result.catch(fail);
      return result;
    } catch (error) {
      fail(error);
      return undefined;
    }
  }

  private startTimer(reactor: WiredReactor, method: string | symbol, intervalMs: number): NodeJS.Timeout {
    const fn = this.method(reactor.instance, method);
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      const result = this.invoke(reactor, method, () => fn.call(reactor.instance));
      if (result instanceof Promise) {
        running = true;
        void result.finally(() => (running = false));
      }
    }, intervalMs);
    timer.unref();
    return timer;
  }

  private method(instance: object, name: string | symbol): AnyMethod {
    const fn = (instance as Record<string | symbol, unknown>)[name];
    if (typeof fn !== 'function') throw new ReactorDefinitionError(`${instance.constructor.name}.${String(name)} is not a method`);
    return fn as AnyMethod;
  }
}
