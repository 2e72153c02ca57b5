import { InvalidArgumentError } from '../../../../framework/errors/base.js';

/**
 * A sliding extreme (max or min) over the last `spanMs`, kept as one value
 * per `bucketMs` bucket, so its memory is bounded by span / bucket entries.
 */
export class WindowedExtreme {
  private readonly buckets: Array<{ start: number; value: number }> = [];

  constructor(
    private readonly better: (a: number, b: number) => boolean,
    private readonly spanMs: number,
    private readonly bucketMs: number,
  ) {}

  add(now: number, value: number): void {
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && now - last.start < this.bucketMs) {
      if (this.better(value, last.value)) last.value = value;
    } else {
      this.buckets.push({ start: now, value });
    }
    while (this.buckets.length > 0 && this.buckets[0]!.start + this.bucketMs <= now - this.spanMs) this.buckets.shift();
  }

  /** The best value in the span, or undefined when nothing was added within it. */
  value(): number | undefined {
    let best: number | undefined;
    for (const b of this.buckets) if (best === undefined || this.better(b.value, best)) best = b.value;
    return best;
  }
}

export interface SendWindowOptions {
  /** Smallest window (bytes); 0 disables the window (unbounded, as CometBFT). */
  readonly minBytes: number;
  /** Largest window (bytes). */
  readonly maxBytes: number;
}

/** The base round trip is the minimum over this long (as BBR's filters look back). */
const BASE_RTT_SPAN_MS = 10_000;
const BASE_RTT_BUCKET_MS = 1_000;
/** Queueing delay the window aims at: this much, or a quarter of the base round trip if that is more. */
export const TARGET_QUEUEING_MS = 1;
const TARGET_QUEUEING_OF_BASE = 0.25;

/**
 * Bounds the bytes in flight to the peer — written to the stream, not yet
 * processed by the peer — so that a high-priority packet never waits behind
 * megabytes of lower-priority data sitting in socket buffers, where no
 * scheduler can reorder them (loopback TCP buffers hold 4–6 MiB, 60–80 ms of
 * traffic at full speed).
 *
 * MConnection has no acknowledgements, but it has pings: the peer (CometBFT
 * or tmp2p) handles packets in order and answers a ping with a pong as soon
 * as it reaches it, so a pong acknowledges every byte written before its
 * ping. With one ping outstanding at a time — CometBFT coalesces pongs for
 * pings that arrive together — that clocks one acknowledgement per round
 * trip. A peer that stops reading stops the pongs, and the sender stops
 * after one window.
 *
 * The size follows the queueing delay, as delay-based congestion control
 * (Vegas, LEDBAT) does: a round trip above the base one (the minimum over
 * 10 s) is data waiting in buffers. After each round in which the window was
 * the limit, it grows by up to half while the queueing is below the target
 * (1 ms, or a quarter of the base round trip on long paths) and shrinks by up
 * to half above it, within [minBytes, maxBytes]. A long fast path gets the
 * window it needs within a few round trips; a busy receiver on a short path
 * gets a small one, so its queue stays short.
 *
 * Plain state: the caller reports writes, pings, pongs and blocking with their times.
 */
export class SendWindow {
  readonly enabled: boolean;
  private written = 0;
  private acked = 0;
  private windowBytes: number;
  private outstanding: { readonly offset: number; readonly at: number } | undefined;
  /** The window held data back since the last pong. */
  private limited = false;
  private readonly baseRtt = new WindowedExtreme((a, b) => a < b, BASE_RTT_SPAN_MS, BASE_RTT_BUCKET_MS);

  constructor(private readonly options: SendWindowOptions) {
    const { minBytes, maxBytes } = options;
    if (!Number.isSafeInteger(minBytes) || minBytes < 0) throw new InvalidArgumentError(`send window minBytes must be an integer ≥ 0, got ${minBytes}`);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < minBytes) throw new InvalidArgumentError(`send window maxBytes must be an integer ≥ minBytes (${minBytes}), got ${maxBytes}`);
    this.enabled = minBytes > 0;
    this.windowBytes = minBytes;
  }

  /** Current window size in bytes (0 when disabled). */
  get size(): number {
    return this.enabled ? this.windowBytes : 0;
  }

  /** Bytes written since the connection opened. */
  get writtenBytes(): number {
    return this.written;
  }

  /** Of those, the first this many are acknowledged: a pong came for a ping written after them. */
  get acknowledgedBytes(): number {
    return this.acked;
  }

  /** Bytes written and not yet acknowledged by a pong. */
  get inFlight(): number {
    return this.written - this.acked;
  }

  get pingOutstanding(): boolean {
    return this.outstanding !== undefined;
  }

  /** Bytes that may be written now: Infinity when disabled, ≤ 0 when the window is full. */
  available(): number {
    return this.enabled ? this.windowBytes - this.inFlight : Infinity;
  }

  wrote(bytes: number): void {
    this.written += bytes;
  }

  /** Data was ready but the window was full: this round tells how big the window should be. */
  blocked(): void {
    this.limited = true;
  }

  /**
   * Whether a ping should follow what was just written: none is outstanding
   * and a quarter of the window is unacknowledged (below that, waiting is
   * cheap and the keepalive ping suffices).
   */
  wantsPing(): boolean {
    return this.enabled && this.outstanding === undefined && this.inFlight >= this.windowBytes / 4;
  }

  /** A ping was written at `now`, after everything counted by wrote(). */
  pingSent(now: number): void {
    this.outstanding = { offset: this.written, at: now };
  }

  /**
   * A pong arrived at `now`: acknowledges what preceded the outstanding ping
   * and resizes the window. A pong with no ping outstanding is ignored.
   * Returns whether it answered our ping.
   */
  pongReceived(now: number): boolean {
    const ping = this.outstanding;
    if (ping === undefined) return false;
    this.outstanding = undefined;
    this.acked = ping.offset;
    const rtt = Math.max(now - ping.at, 0);
    this.baseRtt.add(now, rtt);
    if (this.enabled && this.limited) {
      const base = this.baseRtt.value() ?? rtt;
      const target = Math.max(TARGET_QUEUEING_MS, base * TARGET_QUEUEING_OF_BASE);
      const factor = Math.min(1.5, Math.max(0.5, 1 + (0.5 * (target - (rtt - base))) / target));
      this.windowBytes = Math.round(Math.min(this.options.maxBytes, Math.max(this.options.minBytes, this.windowBytes * factor)));
    }
    this.limited = false;
    return true;
  }
}
