import { Waiters } from './waiters.js';

/** Bounds how many tasks run at once (dials, inbound handshakes). */
export class Semaphore {
  private inUse = 0;
  private readonly released = new Waiters();

  constructor(readonly limit: number) {}

  get available(): number {
    return this.limit - this.inUse;
  }

  tryAcquire(): boolean {
    if (this.inUse >= this.limit) return false;
    this.inUse++;
    return true;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    while (!this.tryAcquire()) await this.released.wait(signal);
  }

  release(): void {
    this.inUse--;
    this.released.wakeOne();
  }
}
