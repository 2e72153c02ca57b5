import { inject, injectable } from 'inversify';
import { Plugin } from '../../../framework/plugin/plugin.js';
import type { ConnectionGater, GateContext, PeerAttempt } from '../../../framework/gating/gater.js';
import { TOKENS } from '../../../framework/tokens.js';

/**
 * A custom gater as a user would write one, loaded by module path from
 * config in the gating tests: an async node-ID filter that consults a
 * (pretend) remote registry, configured by its own `[gating.registry]` table.
 * Each lookup takes `delay_ms`; IDs in `denied` are refused; IDs in
 * `unanswered` never get an answer, so the gate must time the lookup out.
 */
@Plugin('gater', 'registry')
@injectable()
export default class RegistryGater implements ConnectionGater {
  readonly name = 'registry';
  /** Lookups started, and those whose signal told them to give up. */
  lookups = 0;
  abandoned = 0;
  private readonly delayMs: number;
  private readonly denied: ReadonlySet<string>;
  private readonly unanswered: ReadonlySet<string>;

  constructor(@inject(TOKENS.GaterTables) tables: Readonly<Record<string, Readonly<Record<string, unknown>>>>) {
    const options = tables.registry ?? {};
    this.delayMs = Number(options.delayMs ?? 0);
    this.denied = new Set((options.denied as string[] | undefined) ?? []);
    this.unanswered = new Set((options.unanswered as string[] | undefined) ?? []);
  }

  allowPeer(peer: PeerAttempt, { signal }: GateContext): Promise<boolean> {
    this.lookups++;
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => this.abandoned++, { once: true });
      if (this.unanswered.has(peer.nodeId)) return;
      setTimeout(() => resolve(!this.denied.has(peer.nodeId)), this.delayMs);
    });
  }
}
