import { setTimeout as sleep } from 'node:timers/promises';
import { Channel, OnMessage, Reactor, defineChannel, oneofWrapper, type ChannelHandle } from 'tmp2p';
import { EchoMessage, Ping, Pong } from 'tmp2p/reactors';
import { createTestNetwork } from 'tmp2p/testing';

// node dist/slow-archive.js [records]: one node sends records faster than the other can store them.

// Records travel on a channel of their own (0x73), here as tmp2p's echo pings.
export const ArchiveChannel = defineChannel({
  id: 0x73,
  name: 'archive',
  messageType: EchoMessage,
  wrapper: oneofWrapper(EchoMessage, { ping: Ping, pong: Pong }),
});

/** A store that takes 10 ms per write: slower than records arrive. */
export class SlowStore {
  saved = 0;

  async save(_record: string): Promise<void> {
    await sleep(10);
    this.saved++;
  }
}

@Reactor('archive')
export class Archive {
  readonly store = new SlowStore();

  // #region consume
  @Channel(ArchiveChannel, { consume: { concurrency: 4, buffer: 256, overflow: 'drop-oldest' } })
  readonly records!: ChannelHandle<Ping | Pong>;

  @OnMessage(Ping) async onRecord(record: Ping) { await this.store.save(record.content); } // at most 4 at once
  // #endregion consume
}

const records = Number(process.argv[2] ?? 2000);
const net = await createTestNetwork({ nodes: 2, reactors: [Archive] });
await net.waitForFullMesh();
const [sender, archiver] = [net.node(0), net.node(1)];
// sendWhenRoom waits for room in the sender's queue, so every record reaches the archiver.
for (let i = 0; i < records; i++) await sender.reactor(Archive).records.sendWhenRoom(archiver.nodeId, Ping.create({ content: `record ${i}` }));

const archive = archiver.reactor(Archive);
const dropped = () => archive.records.stats().drops['consumer-overflow'] ?? 0;
await net.waitFor(() => archive.store.saved + dropped() === records, { what: 'every record saved or dropped', timeoutMs: 60_000 });
console.log(`${records} records sent, ${archive.store.saved} saved, ${dropped()} dropped by the overflow policy (drop-oldest)`);
await net.stop();
