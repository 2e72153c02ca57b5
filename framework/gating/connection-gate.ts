import { inject, injectable, multiInject, optional } from 'inversify';
import { TOKENS } from '../tokens.js';
import type { Logger } from '../logging/logger.js';
import { toError } from '../errors/base.js';
import { endpointToString, type Endpoint } from '../address/endpoint.js';
import { ipScope, isScopeVisibleTo, type IPScope } from '../address/ip.js';
import type { NodeID } from '../identity/node-id.js';
import type { ConnectionDirection } from '../peer/types.js';
import type { Connection } from '../transport/transport.js';
import { reasonOf } from '../util/abort.js';
import { AnswerDeadline } from './answer-deadline.js';
import { ConnectionDeniedError, GaterAnswerError, GATING_REASONS, isConnectionDenied } from './errors.js';
import type { ConnectionAttempt, ConnectionGater, GaterStats, PeerAttempt } from './gater.js';
import { InboundHandshakeLimit } from './handshake-limit.js';
import type { GatingOptions } from './options.js';
import { remoteIPGroup, remoteIPKey } from './remote-ip.js';

/** An admitted connection's hold on the gaters' state; `release` (idempotent) gives it back. */
export interface GateLease {
  release(): void;
  /** Releases once `connection` has closed. */
  releaseWhenClosed(connection: Connection): void;
}

export interface GaterSnapshot extends GaterStats {
  readonly name: string;
  /** Connections this gater denied (any reason, timeouts and errors included). */
  readonly denied: number;
  readonly timeouts: number;
  readonly errors: number;
}

export interface InboundHandshakesSnapshot {
  readonly inProgress: number;
  readonly limit: number;
  /** Slots one IP may hold; 0 = no per-IP share. */
  readonly perIpLimit: number;
  /** IPs holding a slot now. */
  readonly trackedIps: number;
  /** Refused because every slot was taken ("handshake-capacity"). */
  readonly refused: number;
  /** Refused because the IP held its share ("ip-handshake-capacity"). */
  readonly refusedPerIp: number;
}

export interface GatingSnapshot {
  readonly inboundHandshakes: InboundHandshakesSnapshot;
  /** Dials refused with "address-scope" (see AdmitOptions.learnedFrom). */
  readonly scopeRefusals: number;
  readonly gaters: readonly GaterSnapshot[];
}

export interface AdmitOptions {
  readonly direction: ConnectionDirection;
  /** Outbound: the node ID being dialed. */
  readonly nodeId?: NodeID;
  /**
   * Outbound: the scope of the peer the address was learned from. An IP
   * narrower than that (see `isScopeVisibleTo`) is refused with
   * "address-scope", gaters or not — the rule PEX applies to IP literals it
   * receives, here applied to what a DNS name resolved to. Undefined: a
   * configured address, dialed wherever it resolves.
   */
  readonly learnedFrom?: IPScope;
  /** The caller's lifetime (the router's stop signal); aborting it rejects with its reason, uncounted. */
  readonly signal?: AbortSignal;
}

const NO_LEASE: GateLease = { release: () => {}, releaseWhenClosed: () => {} };

class Lease implements GateLease {
  private released = false;
  constructor(private readonly onRelease: () => void) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
  releaseWhenClosed(connection: Connection): void {
    const release = () => this.release();
    void connection.closed.then(release, release);
  }
}

interface Tally {
  denied: number;
  timeouts: number;
  errors: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Asks the configured gaters about connections, in `gating.gaters` order (see
 * ConnectionGater for the phases and what counts as a denial), holds the
 * inbound handshake caps (in all and per remote IP), and keeps a dial of a
 * learned address within the scope of the peer it came from (see
 * AdmitOptions.learnedFrom). The router calls it on its accept and dial paths;
 * the gate never touches a socket: a denial is a ConnectionDeniedError the
 * router closes the connection with and counts by `reason`.
 *
 * A gater that throws or misanswers denies the connection (fail closed) and
 * is logged; a gater that never answers is cut off after
 * `filterTimeoutMs`. Neither can stop the gate from serving other connections.
 */
@injectable()
export class ConnectionGate {
  readonly inboundHandshakes: InboundHandshakeLimit;
  private readonly chain: readonly ConnectionGater[];
  private readonly tallies = new Map<ConnectionGater, Tally>();
  /** Dials refused because a learned address resolved to an IP nearer than its source ("address-scope"). */
  private scopeRefusals = 0;
  private readonly log: Logger;

  constructor(
    @multiInject(TOKENS.Gater) @optional() gaters: readonly ConnectionGater[] | undefined,
    @inject(TOKENS.GatingOptions) private readonly options: GatingOptions,
    @inject(TOKENS.Logger) logger: Logger,
  ) {
    this.chain = [...(gaters ?? [])];
    for (const gater of this.chain) this.tallies.set(gater, { denied: 0, timeouts: 0, errors: 0 });
    this.inboundHandshakes = new InboundHandshakeLimit(options.maxConcurrentInboundHandshakes, options.maxConcurrentInboundHandshakesPerIp);
    this.log = logger.child({ component: 'gating' });
  }

  /** The gaters, in the order they are asked. */
  get gaters(): readonly ConnectionGater[] {
    return this.chain;
  }

  /**
   * Takes an inbound handshake slot for a connection just accepted from
   * `remote`, or returns the denial to close it with (over the global cap or
   * its IP's share). Pair every admission with one `endInboundHandshake`.
   */
  beginInboundHandshake(remote: Endpoint): ConnectionDeniedError | undefined {
    const ip = this.ipGroupOf(remote);
    const refusal = this.inboundHandshakes.tryBegin(ip);
    if (refusal === undefined) return undefined;
    const from = `inbound connection from ${endpointToString(remote)} denied`;
    if (refusal === 'per-ip') {
      return new ConnectionDeniedError(
        `${from}: ${ip} already has ${this.inboundHandshakes.perIpLimit} handshakes in progress (p2p.max_concurrent_inbound_handshakes_per_ip)`,
        GATING_REASONS.ipHandshakeCapacity,
      );
    }
    return new ConnectionDeniedError(
      `${from}: ${this.inboundHandshakes.limit} inbound handshakes already in progress (p2p.max_concurrent_inbound_handshakes)`,
      GATING_REASONS.handshakeCapacity,
    );
  }

  /** Gives back the slot `beginInboundHandshake` took for `remote`. */
  endInboundHandshake(remote: Endpoint): void {
    this.inboundHandshakes.end(this.ipGroupOf(remote));
  }

  /** The per-IP limits' key for `remote` (see `remoteIPGroup`); undefined without an IP. */
  private ipGroupOf(remote: Endpoint): string | undefined {
    const ip = remote.ip === undefined ? undefined : remoteIPKey(remote.ip);
    return ip === undefined ? undefined : remoteIPGroup(ip, this.options.ipv6PrefixLength);
  }

  /**
   * The IP phase for a connection to or from `endpoint`: resolves with a
   * lease once every gater admitted it, rejects with ConnectionDeniedError
   * otherwise. Endpoints without an IP (memory transport) pass unasked.
   */
  async admit(endpoint: Endpoint, options: AdmitOptions): Promise<GateLease> {
    const ip = endpoint.ip ? remoteIPKey(endpoint.ip) : undefined;
    // Named only in a denial: most connections are admitted, and the text is not free.
    const subject = (): string => (options.direction === 'inbound' ? `inbound connection from ${endpointToString(endpoint)}` : `dial to ${endpointToString(endpoint)}`);
    if (ip !== undefined && options.learnedFrom !== undefined) this.checkScope(ip, options.learnedFrom, subject);
    if (ip === undefined || this.chain.length === 0) return NO_LEASE;
    const attempt: ConnectionAttempt = { direction: options.direction, ip, ipGroup: remoteIPGroup(ip, this.options.ipv6PrefixLength), port: endpoint.port, endpoint, nodeId: options.nodeId };
    await this.ask('allowConnection', attempt, subject, options.signal);
    return this.admitAll(attempt, subject);
  }

  /** The IP phase for an accepted connection; once admitted, its lease lasts until the connection closes. */
  async admitInbound(connection: Connection, signal?: AbortSignal): Promise<void> {
    const lease = await this.admit(connection.remoteEndpoint, { direction: 'inbound', signal });
    lease.releaseWhenClosed(connection);
  }

  /**
   * The IP phase for a dial to `endpoint`, then `open()` (the dial itself) once
   * admitted. The lease lasts until the connection closes, or ends at once
   * when `open` fails.
   */
  async admitDial(endpoint: Endpoint, options: Omit<AdmitOptions, 'direction'>, open: () => Promise<Connection>): Promise<Connection> {
    const lease = await this.admit(endpoint, { ...options, direction: 'outbound' });
    let connection: Connection;
    try {
      connection = await open();
    } catch (error) {
      lease.release();
      throw error;
    }
    lease.releaseWhenClosed(connection);
    return connection;
  }

  /** The peer phase: resolves when every gater allows `peer`, rejects with ConnectionDeniedError otherwise. */
  async checkPeer(peer: PeerAttempt, signal?: AbortSignal): Promise<void> {
    if (this.chain.length === 0) return;
    const subject = (): string => (peer.direction === 'inbound' ? `inbound peer ${peer.nodeId}` : `dial to peer ${peer.nodeId}`);
    const ip = peer.ip === undefined ? undefined : remoteIPKey(peer.ip);
    await this.ask('allowPeer', ip === peer.ip ? peer : { ...peer, ip }, subject, signal);
  }

  snapshot(): GatingSnapshot {
    return {
      inboundHandshakes: {
        inProgress: this.inboundHandshakes.inProgress,
        limit: this.inboundHandshakes.limit,
        perIpLimit: this.inboundHandshakes.perIpLimit,
        trackedIps: this.inboundHandshakes.trackedIps,
        refused: this.inboundHandshakes.refused,
        refusedPerIp: this.inboundHandshakes.refusedPerIp,
      },
      scopeRefusals: this.scopeRefusals,
      gaters: this.chain.map((gater) => ({ name: gater.name, ...this.tallies.get(gater)!, ...this.statsOf(gater) })),
    };
  }

  private checkScope(ip: string, learnedFrom: IPScope, subject: () => string): void {
    const scope = ipScope(ip) ?? 'public';
    if (isScopeVisibleTo(scope, learnedFrom)) return;
    this.scopeRefusals++;
    throw new ConnectionDeniedError(
      `${subject()} denied: the address was learned from a peer on a ${learnedFrom} IP, and ${ip} is ${scope === 'unroutable' ? 'not a dialable host' : `a ${scope} address`} that peer cannot have meant for us`,
      GATING_REASONS.addressScope,
    );
  }

  private async ask<A>(hook: 'allowConnection' | 'allowPeer', arg: A, subject: () => string, signal: AbortSignal | undefined): Promise<void> {
    const deadline = new AnswerDeadline(signal, this.options.filterTimeoutMs);
    try {
      for (const gater of this.chain) {
        const call = gater[hook] as ((arg: A, context: AnswerDeadline) => unknown) | undefined;
        if (call === undefined) continue;
        let answer: unknown;
        try {
          answer = call.call(gater, arg, deadline);
          if (isThenable(answer)) answer = await deadline.race(answer);
        } catch (error) {
          if (signal?.aborted && !deadline.timedOut) throw reasonOf(signal);
          throw this.denial(gater, subject, toError(error), deadline.timedOut);
        }
        if (answer !== true) throw this.denial(gater, subject, answer === false ? undefined : misanswer(gater, hook, answer), false);
      }
    } finally {
      deadline.dispose();
    }
  }

  private admitAll(attempt: ConnectionAttempt, subject: () => string): GateLease {
    const admitted: ConnectionGater[] = [];
    for (const gater of this.chain) {
      if (gater.admit === undefined) continue;
      let answer: unknown;
      try {
        answer = gater.admit(attempt);
      } catch (error) {
        this.releaseAll(admitted, attempt);
        throw this.denial(gater, subject, toError(error), false);
      }
      if (answer !== true) {
        this.releaseAll(admitted, attempt);
        throw this.denial(gater, subject, answer === false ? undefined : misanswer(gater, 'admit', answer), false);
      }
      admitted.push(gater);
    }
    return admitted.length === 0 ? NO_LEASE : new Lease(() => this.releaseAll(admitted, attempt));
  }

  private releaseAll(admitted: readonly ConnectionGater[], attempt: ConnectionAttempt): void {
    for (let i = admitted.length - 1; i >= 0; i--) {
      const gater = admitted[i]!;
      try {
        gater.release?.(attempt);
      } catch (error) {
        this.tallies.get(gater)!.errors++;
        this.log.error({ gater: gater.name, ip: attempt.ip, err: error }, 'gater release failed (continuing)');
      }
    }
  }

  private denial(gater: ConnectionGater, subject: () => string, cause: Error | undefined, timedOut: boolean): ConnectionDeniedError {
    const tally = this.tallies.get(gater)!;
    tally.denied++;
    let reason: string;
    if (timedOut) {
      reason = GATING_REASONS.timeout;
      tally.timeouts++;
    } else if (cause === undefined) {
      reason = gater.name;
    } else if (isConnectionDenied(cause)) {
      reason = cause.reason;
    } else {
      reason = GATING_REASONS.error;
      tally.errors++;
      this.log.warn({ gater: gater.name, err: cause }, 'gater failed; connection denied');
    }
    const detail = cause === undefined ? '' : `: ${cause.message}`;
    return new ConnectionDeniedError(`${subject()} denied by gater "${gater.name}" (${reason})${detail}`, reason, { cause, gater: gater.name });
  }

  private statsOf(gater: ConnectionGater): GaterStats {
    try {
      return gater.stats?.() ?? {};
    } catch (error) {
      this.log.warn({ gater: gater.name, err: error }, 'gater stats failed');
      return {};
    }
  }
}

function misanswer(gater: ConnectionGater, hook: string, answer: unknown): Error {
  const shown = typeof answer === 'object' && answer !== null ? 'an object' : JSON.stringify(answer) ?? String(answer);
  return new GaterAnswerError(`gater "${gater.name}" ${hook} answered ${shown}; expected true or false`);
}
