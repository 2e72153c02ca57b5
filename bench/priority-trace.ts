import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MConnConnection } from '../plugins/transports/mconn/mconn-connection.js';
import { HighPriorityChannel, hrtimeMs } from './priority-shared.js';
import { probeSendPath, socketOf, type SendStage } from './priority-probe.js';

/**
 * PRIORITY_TRACE=1 `npm run bench -- priority-under-load`: where a
 * high-priority message's time goes. Each side probes its own send path
 * (priority-probe.ts); the bytes between the two sockets (A's kernel send
 * queue + B's receive queue) are taken when each message enters the kernel,
 * from A's socket counters and B's read count (shared through a
 * SharedArrayBuffer); both threads' event-loop delay is sampled. Times are
 * process.hrtime, comparable across the threads.
 */
export type StageTimes = Record<SendStage, number[]>;
const emptyStages = (): StageTimes => ({ accepted: [], packed: [], sealed: [], kernel: [] });

const loopDelay = (h: IntervalHistogram): number[] => [h.percentile(50) / 1e6, h.percentile(99) / 1e6, h.max / 1e6];

/** Keeps `target[0]` equal to the bytes the socket under `conn` has read, for the other thread. */
export function shareBytesRead(conn: MConnConnection, target: SharedArrayBuffer): void {
  const bytesRead = new Float64Array(target);
  const socket = socketOf(conn);
  bytesRead[0] = socket.bytesRead;
  socket.on('data', () => (bytesRead[0] = socket.bytesRead));
}

/** The far side's half: its echo's send path and its event-loop delay. */
export function startFarTrace(conn: MConnConnection): () => { stages: StageTimes; loopDelay: number[] } {
  const stages = emptyStages();
  probeSendPath(conn, HighPriorityChannel.id, (stage, i, ms) => (stages[stage][i] = ms));
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  return () => {
    loop.disable();
    return { stages, loopDelay: loopDelay(loop) };
  };
}

/** The near side's half; `start` must run before the first traced message is sent. */
export class NearTrace {
  private readonly stages = emptyStages();
  private readonly backlogKiB: number[] = [];
  private readonly sent: number[] = [];
  private readonly farArrived: number[] = [];
  private readonly echoedAt: number[] = [];
  private readonly loop = monitorEventLoopDelay({ resolution: 1 });

  /** `farBytesRead`: B's socket read count (see shareBytesRead). */
  start(conn: MConnConnection, farBytesReadBuffer: SharedArrayBuffer): void {
    const socket = socketOf(conn);
    const farBytesRead = new Float64Array(farBytesReadBuffer);
    probeSendPath(conn, HighPriorityChannel.id, (stage, i, ms) => {
      this.stages[stage][i] = ms;
      if (stage === 'kernel') this.backlogKiB[i] = (socket.bytesWritten - socket.writableLength - farBytesRead[0]!) / 1024;
    });
    this.loop.enable();
  }

  sending(seq: number): void {
    this.sent[seq] = hrtimeMs();
  }

  echoed(seq: number, farArrivedMs: number): void {
    this.echoedAt[seq] = hrtimeMs();
    this.farArrived[seq] = farArrivedMs;
  }

  /** Per stage, every message's duration in ms (the two event-loop rows hold p50, p99, max; the backlog row KiB). */
  stagesWith(far: { stages: StageTimes; loopDelay: number[] }): Array<[string, number[]]> {
    this.loop.disable();
    const near = this.stages;
    const b = far.stages;
    const span = (to: number[], from: number[]) => from.map((f, i) => to[i]! - f).filter((d) => Number.isFinite(d));
    return [
      ['A peer queue + send loop', span(near.accepted, this.sent)],
      ['A MConnection queue → batch', span(near.packed, near.accepted)],
      ['A batch waits in SecretConnection', span(near.sealed, near.packed)],
      ['A socket write completes', span(near.kernel, near.sealed)],
      ['A kernel → B handler', span(this.farArrived, near.kernel)],
      ['B echo: handler → MConnection', span(b.accepted, this.farArrived)],
      ['B MConnection queue → batch', span(b.packed, b.accepted)],
      ['B batch → kernel', span(b.kernel, b.packed)],
      ['B kernel → A handler', span(this.echoedAt, b.kernel)],
      ['kernel backlog A→B at entry (KiB)', this.backlogKiB.filter((k) => Number.isFinite(k))],
      ['A event-loop delay', loopDelay(this.loop)],
      ['B event-loop delay', far.loopDelay],
    ];
  }
}
