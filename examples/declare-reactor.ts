import { Reactor, Channel, OnMessage, OnPeerUpdate, Every, TOKENS, defineChannel, inject, oneofWrapper,
         type ChannelHandle, type MessageContext, type PeerUpdate, type Logger } from 'tmp2p';
import { EchoMessage, Ping, Pong } from 'tmp2p/reactors';

// A channel of its own (0x72), so this reactor can run next to the built-in echo (0x70) and flood (0x71) reactors.
// It reuses tmp2p's echo messages; a channel of your own Protobuf types is declared the same way.
export const HelloChannel = defineChannel({
  id: 0x72,
  name: 'hello',
  messageType: EchoMessage,
  wrapper: oneofWrapper(EchoMessage, { ping: Ping, pong: Pong }),
});

@Reactor('my-echo')
export class MyEcho {
  pingsReceived = 0;
  pongsReceived = 0;
  private readonly interval: string;

  constructor(
    @inject(TOKENS.Logger) private readonly log: Logger,
    // Every [reactors.<name>] table of the config, keys camelCased: [reactors.my-echo] ping_interval.
    @inject(TOKENS.ReactorTables) tables: Record<string, Record<string, unknown>>,
  ) {
    this.interval = String(tables['my-echo']?.['pingInterval'] ?? '5s');
  }

  // Typed from the channel: send/broadcast accept Ping | Pong only.
  @Channel(HelloChannel) readonly hello!: ChannelHandle<Ping | Pong>;

  @Every((self: MyEcho) => self.interval) ping() {
    this.hello.broadcast(Ping.create({ content: 'hello' }));
  }

  @OnMessage(Ping) onPing(msg: Ping, { from }: MessageContext) {
    this.pingsReceived++;
    this.hello.send(from, Pong.create({ content: msg.content }));
  }

  // Every message type the channel carries needs a handler: one that none takes is a peer error.
  @OnMessage(Pong) onPong() {
    this.pongsReceived++;
  }

  @OnPeerUpdate() onPeer(u: PeerUpdate) {
    this.log.info({ peer: u.nodeId, status: u.status }, 'peer');
  }
}
