/** Counts dropped messages by reason; every drop in tmp2p goes through one of these. */
export class DropCounter {
  private readonly counts = new Map<string, number>();

  count(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
