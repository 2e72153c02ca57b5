import type { Endpoint } from '../../framework/address/endpoint.js';
import type { HostLookup, NodeAddress } from '../../framework/address/node-address.js';
import { AddressResolutionError } from '../../framework/address/errors.js';
import { toError } from '../../framework/errors/base.js';
import { validatePeerHandshake } from '../../framework/identity/handshake-checks.js';
import type { NodeKey } from '../../framework/identity/node-key.js';
import { nodeInfoHasChannel, type NodeInfo } from '../../framework/identity/node-info.js';
import { DialError, HandshakeTimeoutError } from '../../framework/transport/errors.js';
import type { Connection, Transport } from '../../framework/transport/transport.js';
import { deadlineSignal } from '../../framework/util/abort.js';
import { PEX_CHANNEL_ID, PexAddrs, PexChannel, PexRequest } from '../../reactors/pex/pex-channel.js';
import type { WireAddress } from './crawl-graph.js';
import type { CrawlErrorKind, PexOutcome } from './crawl-result.js';
import { crawlErrorKind, isFinalKind } from './error-kind.js';

/** Endpoints tried per address: a seed's DNS name may resolve to several IPs; peers advertise one IP each. */
const MAX_ENDPOINTS_PER_ADDRESS = 4;
/**
 * Messages that are not the answer (another channel, a PexRequest of its
 * own) tolerated while waiting for it; a node that sends more is not
 * answering. CometBFT sends a node nothing on channels it did not advertise,
 * so this is only reached by a node that misbehaves.
 */
export const MAX_IGNORED_MESSAGES = 32;

/** What a probe needs: our identity, the transport to dial with, and its bounds. */
export interface ProbeContext {
  readonly transport: Pick<Transport, 'dial'>;
  readonly nodeKey: NodeKey;
  readonly nodeInfo: NodeInfo;
  readonly dialTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly pexTimeoutMs: number;
  readonly resolveTimeoutMs: number;
  readonly lookup?: HostLookup;
  /** The crawl's end: aborts whatever the probe is doing. */
  readonly signal: AbortSignal;
}

/** What one visit of one address found. */
export type ProbeResult =
  /** Not reached: `final` when the node itself refused (or was refused), so its other addresses are pointless. */
  | { readonly kind: 'unreached'; readonly errorKind: CrawlErrorKind; readonly error: Error; readonly final: boolean; readonly nodeInfo?: NodeInfo }
  /** The crawl ended before the node's identity was proven. */
  | { readonly kind: 'interrupted' }
  /** Handshake done and valid; `ip` is the one we reached it at; `pex` is how it answered. */
  | {
      readonly kind: 'reached';
      readonly nodeInfo: NodeInfo;
      readonly ip: string;
      readonly pex: { readonly outcome: 'answered'; readonly addrs: readonly WireAddress[] } | { readonly outcome: Exclude<PexOutcome, 'answered'> };
      /** Messages received while waiting that were not the answer. */
      readonly ignored: number;
    };

const encodePex = (message: PexRequest): Uint8Array => PexChannel.messageType.encode(PexChannel.wrapper!.wrap(message)).finish();

/**
 * Visits one node at one address: dials it (each resolved endpoint in turn,
 * each within `dialTimeoutMs`), runs the SecretConnection + NodeInfo
 * handshake within `handshakeTimeoutMs` advertising only the PEX channel,
 * applies every identity and compatibility check the router applies, sends
 * one PexRequest and waits up to `pexTimeoutMs` for the PexAddrs, then
 * hangs up. One request per connection: CometBFT disconnects and bans a
 * peer that asks too often, and a fresh connection has asked nothing yet.
 * Never rejects: every failure is a result.
 */
export async function probe(address: NodeAddress, ctx: ProbeContext): Promise<ProbeResult> {
  if (ctx.signal.aborted) return { kind: 'interrupted' };
  const dialed = await connect(address, ctx);
  if (dialed.kind !== 'connected') return dialed;
  const { connection } = dialed;
  try {
    let remote: NodeInfo | undefined;
    const deadline = deadlineSignal(ctx.signal, ctx.handshakeTimeoutMs, () => new HandshakeTimeoutError(`handshake with ${address} did not finish within ${ctx.handshakeTimeoutMs} ms`));
    try {
      const result = await connection.handshake(ctx.nodeInfo, ctx.nodeKey, { signal: deadline.signal, channels: [PexChannel] });
      remote = result.nodeInfo;
      validatePeerHandshake({ local: ctx.nodeInfo, remote, remotePublicKey: result.publicKey, expectedNodeId: address.nodeId });
    } catch (caught) {
      if (ctx.signal.aborted) return { kind: 'interrupted' };
      const error = toError(caught);
      const errorKind = crawlErrorKind(error, 'handshake');
      // An incompatible node passed every other check: what it says about itself is worth recording.
      const nodeInfo = errorKind === 'incompatible' ? remote : undefined;
      return { kind: 'unreached', errorKind, error, final: isFinalKind(errorKind), ...(nodeInfo ? { nodeInfo } : {}) };
    } finally {
      deadline.dispose();
    }
    const ip = connection.remoteEndpoint.ip ?? '';
    if (!nodeInfoHasChannel(remote, PEX_CHANNEL_ID)) return { kind: 'reached', nodeInfo: remote, ip, pex: { outcome: 'no-pex-channel' }, ignored: 0 };
    const answer = await askForAddresses(connection, ctx);
    return { kind: 'reached', nodeInfo: remote, ip, pex: answer.pex, ignored: answer.ignored };
  } finally {
    connection.close();
  }
}

type Connected = { readonly kind: 'connected'; readonly connection: Connection };

async function connect(address: NodeAddress, ctx: ProbeContext): Promise<Connected | Extract<ProbeResult, { kind: 'unreached' | 'interrupted' }>> {
  let endpoints: Endpoint[];
  const resolve = deadlineSignal(ctx.signal, ctx.resolveTimeoutMs, () => new AddressResolutionError(address.hostname, `resolving ${address.hostname} timed out after ${ctx.resolveTimeoutMs} ms`));
  try {
    endpoints = await address.resolve({ signal: resolve.signal, lookup: ctx.lookup });
  } catch (caught) {
    if (ctx.signal.aborted) return { kind: 'interrupted' };
    const error = resolve.signal.aborted && resolve.signal.reason instanceof Error ? resolve.signal.reason : toError(caught);
    return { kind: 'unreached', errorKind: 'dns', error, final: false };
  } finally {
    resolve.dispose();
  }
  let failure: { errorKind: CrawlErrorKind; error: Error } = { errorKind: 'dns', error: new AddressResolutionError(address.hostname, `${address.hostname} resolved to no address`) };
  for (const endpoint of endpoints.slice(0, MAX_ENDPOINTS_PER_ADDRESS)) {
    const dial = deadlineSignal(ctx.signal, ctx.dialTimeoutMs, () => new DialError(`dialing ${address} timed out after ${ctx.dialTimeoutMs} ms`));
    try {
      return { kind: 'connected', connection: await ctx.transport.dial(endpoint, dial.signal) };
    } catch (caught) {
      if (ctx.signal.aborted) return { kind: 'interrupted' };
      const error = toError(caught);
      failure = { errorKind: dial.signal.aborted ? 'timeout' : crawlErrorKind(error, 'dial'), error };
    } finally {
      dial.dispose();
    }
  }
  return { kind: 'unreached', ...failure, final: false };
}

/** Sends one PexRequest and waits for the PexAddrs, skipping (and counting) anything else, within `pexTimeoutMs`. */
async function askForAddresses(connection: Connection, ctx: ProbeContext): Promise<Pick<Extract<ProbeResult, { kind: 'reached' }>, 'pex' | 'ignored'>> {
  let ignored = 0;
  if (!connection.trySend(PEX_CHANNEL_ID, encodePex(PexRequest.create()))) return { pex: { outcome: 'closed' }, ignored };
  const deadline = deadlineSignal(ctx.signal, ctx.pexTimeoutMs, () => new HandshakeTimeoutError('no PEX answer'));
  try {
    for (;;) {
      let message;
      try {
        message = await connection.receive(deadline.signal);
      } catch {
        if (ctx.signal.aborted) return { pex: { outcome: 'interrupted' }, ignored };
        return { pex: { outcome: deadline.signal.aborted ? 'timeout' : 'closed' }, ignored };
      }
      let decoded: unknown;
      if (message.channelId === PEX_CHANNEL_ID) {
        try {
          decoded = PexChannel.wrapper!.unwrap(PexChannel.messageType.decode(message.bytes));
        } catch {
          return { pex: { outcome: 'invalid' }, ignored };
        }
        if (decoded instanceof PexAddrs) return { pex: { outcome: 'answered', addrs: decoded.addrs ?? [] }, ignored };
      }
      // Another channel, or a PexRequest of its own: not the answer. We never answer it (we hang up soon).
      if (++ignored > MAX_IGNORED_MESSAGES) return { pex: { outcome: 'invalid' }, ignored };
    }
  } finally {
    deadline.dispose();
  }
}
