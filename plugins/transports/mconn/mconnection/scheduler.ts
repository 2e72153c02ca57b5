import type { ChannelState } from './channel-state.js';
import { MAX_PACKET_MSG_OVERHEAD } from './packet-codec.js';

/** CometBFT decays recentlySent every `updateStats` = 2 s by this factor. */
export const RECENTLY_SENT_DECAY_INTERVAL_MS = 2000;
export const RECENTLY_SENT_DECAY_FACTOR = 0.8;

/**
 * CometBFT's packet scheduler (wire-protocol §2.4): each packet goes to the
 * channel with pending data and the smallest recentlySent/priority, ties to
 * the channel registered first. Channels stay in registration order.
 */
export class SendScheduler {
  /** When the last 2 s decay period ended (clock ms). */
  private decayedAt: number;

  /**
   * @param clock milliseconds, for the lazy decay (catchUpDecay); an idle
   *   connection then runs no timer for it (5,000 idle connections made 2,500
   *   timer callbacks a second).
   */
  constructor(
    private readonly channels: readonly ChannelState[],
    private readonly clock: () => number = () => 0,
  ) {
    this.decayedAt = clock();
  }

  /**
   * Applies every ×0.8 decay whose 2 s period has ended since the last call,
   * one step at a time (each truncates, as CometBFT's periodic one does).
   * Called before packets are picked, so the decays land before any bytes sent
   * after their period, as a timer's would.
   */
  catchUpDecay(): void {
    const periods = Math.floor((this.clock() - this.decayedAt) / RECENTLY_SENT_DECAY_INTERVAL_MS);
    if (periods <= 0) return;
    this.decayedAt += periods * RECENTLY_SENT_DECAY_INTERVAL_MS;
    for (let k = 0; k < periods && this.decay(); k++);
  }

  /** The channel whose packet goes next, or undefined when nothing is pending. */
  pick(): ChannelState | undefined {
    let best: ChannelState | undefined;
    let bestRatio = 0;
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) {
      const channel = channels[i];
      if (!channel.hasPending) continue;
      const ratio = channel.recentlySent / channel.priority;
      if (best === undefined || ratio < bestRatio) {
        best = channel;
        bestRatio = ratio;
      }
    }
    return best;
  }

  /** Upper bound on the wire bytes of everything queued, for sizing a batch buffer. */
  pendingWireBytes(): number {
    let total = 0;
    for (const channel of this.channels) {
      const bytes = channel.pendingPayloadBytes;
      const messages = channel.pendingMessages;
      if (messages === 0) continue;
      const packets = Math.ceil(bytes / channel.chunkSize) + messages;
      total += bytes + packets * MAX_PACKET_MSG_OVERHEAD;
    }
    return total;
  }

  /** One ×0.8 decay, truncated to an integer like CometBFT's int64 conversion; returns whether any channel still has recentlySent > 0. */
  decay(): boolean {
    let left = false;
    for (const channel of this.channels) {
      channel.recentlySent = Math.trunc(channel.recentlySent * RECENTLY_SENT_DECAY_FACTOR);
      if (channel.recentlySent > 0) left = true;
    }
    return left;
  }
}
