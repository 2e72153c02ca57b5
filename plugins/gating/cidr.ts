import { TOKENS } from '../../framework/tokens.js';
import { inject, injectable } from 'inversify';
import { Plugin } from '../../framework/plugin/plugin.js';
import { CidrList } from '../../framework/gating/cidr.js';
import { ConnectionDeniedError } from '../../framework/gating/errors.js';
import type { ConnectionAttempt, ConnectionGater } from '../../framework/gating/gater.js';

/** `[gating.cidr]`: which IPs may connect at all (both directions). */
export interface CidrGaterOptions {
  /** When non-empty, only IPs in one of these blocks may connect. Default empty (every IP). */
  readonly allow: readonly string[];
  /** IPs in these blocks never connect; wins over `allow`. Default empty. */
  readonly deny: readonly string[];
}

/** Allow and deny lists of CIDR blocks: deny wins; a non-empty allow list admits only its blocks. */
export class CidrRules {
  readonly allow: CidrList;
  readonly deny: CidrList;

  /** Throws InvalidCidrError naming the first malformed entry. */
  constructor(config: CidrGaterOptions) {
    this.allow = new CidrList(config.allow);
    this.deny = new CidrList(config.deny);
  }

  /** The denial for `ip`, or undefined when it may connect. */
  check(ip: string): ConnectionDeniedError | undefined {
    const denied = this.deny.match(ip);
    if (denied) return new ConnectionDeniedError(`${ip} is in denied block ${denied.text} (gating.cidr.deny)`, 'cidr-denied');
    if (this.allow.size > 0 && this.allow.match(ip) === undefined) {
      return new ConnectionDeniedError(`${ip} is in none of the ${this.allow.size} allowed blocks (gating.cidr.allow)`, 'cidr-not-allowed');
    }
    return undefined;
  }
}

/** `cidr`: refuses connections, inbound and outbound, by the remote IP's CIDR block (`[gating.cidr]`). */
@Plugin('gater', 'cidr')
@injectable()
export class CidrGater implements ConnectionGater {
  readonly name = 'cidr';
  readonly rules: CidrRules;

  constructor(@inject(TOKENS.CidrGaterOptions) options: CidrGaterOptions) {
    this.rules = new CidrRules(options);
  }

  allowConnection(attempt: ConnectionAttempt): boolean {
    const denial = this.rules.check(attempt.ip);
    if (denial) throw denial;
    return true;
  }
}
