import { ConfigError } from 'tmp2p';
import { Plugin, TOKENS, inject, injectable, type ConnectionGater, type GateContext, type PeerAttempt } from 'tmp2p/plugins';

/**
 * Admits only peers an HTTP registry knows (`GET <url>/peers/<node id>`
 * answers 2xx), both ways. Its options are the config's [gating.registry]
 * table; the answer must come within `gating.filter_timeout`.
 */
@Plugin('gater', 'registry')
@injectable()
export default class RegistryGater implements ConnectionGater {
  readonly name = 'registry';
  private readonly url: string;

  constructor(@inject(TOKENS.GaterTables) tables: Record<string, Record<string, unknown>>) {
    const url = tables['registry']?.['url'];
    if (typeof url !== 'string' || !URL.canParse(url)) throw new ConfigError(`config key "gating.registry.url" = ${JSON.stringify(url)} is invalid: expected an http(s) URL`, 'gating.registry.url');
    this.url = url;
  }

  async allowPeer(peer: PeerAttempt, { signal }: GateContext): Promise<boolean> {
    const response = await fetch(`${this.url}/peers/${peer.nodeId}`, { signal });
    await response.body?.cancel();
    return response.ok;
  }
}
