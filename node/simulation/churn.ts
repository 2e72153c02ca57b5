import { toError } from '../../framework/errors/base.js';
import type { SimulatedMember, SimulatedNetwork } from './simulated-network.js';

export interface ChurnOptions {
  /** Percent of the non-seed members that leave and rejoin per minute, spread evenly over the minute. */
  readonly percentPerMinute: number;
  /** How long a member stays away before restarting (same key, same virtual IP, knowing only the seeds). */
  readonly downtimeMs: number;
  readonly random: () => number;
  /** Told about every stop or restart that failed; the driver keeps going. */
  readonly onError?: (error: Error, member: SimulatedMember) => void;
}

export interface ChurnStats {
  /** Members stopped. */
  departures: number;
  /** Members started again. */
  rejoins: number;
  /** Stops or restarts that threw. */
  failures: number;
}

/**
 * Makes members leave and rejoin at a steady rate: every
 * 60 s / (percent × non-seeds) one running non-seed member, picked at random
 * among those not already away, stops, and restarts `downtimeMs` later.
 * Seeds never churn. `stop()` ends the schedule and waits for stops and
 * restarts under way; members still away stay down.
 */
export class ChurnDriver {
  readonly stats: ChurnStats = { departures: 0, rejoins: 0, failures: 0 };
  private readonly away = new Set<SimulatedMember>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly work = new Set<Promise<void>>();
  private interval: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly network: SimulatedNetwork,
    private readonly options: ChurnOptions,
  ) {}

  /** Milliseconds between departures; Infinity when nothing churns. */
  get periodMs(): number {
    const candidates = this.network.members.filter((m) => !m.isSeed).length;
    const perMinute = (this.options.percentPerMinute / 100) * candidates;
    return perMinute > 0 ? 60_000 / perMinute : Infinity;
  }

  /** Members currently away (stopped, not yet restarted). */
  get awayCount(): number {
    return this.away.size;
  }

  start(): void {
    if (this.interval !== undefined || this.stopped || !Number.isFinite(this.periodMs)) return;
    this.interval = setInterval(() => this.depart(), this.periodMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval !== undefined) clearInterval(this.interval);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.work]);
  }

  private depart(): void {
    const candidates = this.network.members.filter((m) => !m.isSeed && m.node !== undefined && !this.away.has(m));
    if (candidates.length === 0) return;
    const member = candidates[Math.min(candidates.length - 1, Math.floor(this.options.random() * candidates.length))]!;
    this.away.add(member);
    this.track(
      (async () => {
        await this.network.stopMember(member);
        this.stats.departures++;
        if (this.stopped) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.track(this.rejoin(member), member);
        }, this.options.downtimeMs);
        this.timers.add(timer);
      })(),
      member,
    );
  }

  private async rejoin(member: SimulatedMember): Promise<void> {
    await this.network.restartMember(member);
    this.away.delete(member);
    this.stats.rejoins++;
  }

  private track(task: Promise<void>, member: SimulatedMember): void {
    const guarded = task.catch((error: unknown) => {
      this.stats.failures++;
      this.options.onError?.(toError(error), member);
    });
    this.work.add(guarded);
    void guarded.finally(() => this.work.delete(guarded));
  }
}
