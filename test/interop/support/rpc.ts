import { z } from 'zod';
import { AbortError } from '../../../framework/errors/base.js';
import { CometBFTRpcError } from './errors.js';

/** Heights and counts come as decimal strings (int64 in Go); all ours fit a JS number. */
const decimal = z
  .string()
  .regex(/^-?\d+$/, 'expected a decimal integer string')
  .transform((s) => Number(s));

/** The `node_info` CometBFT reports for itself (`/status`) and for each peer (`/net_info`). */
export const nodeInfoSchema = z.looseObject({
  protocol_version: z.looseObject({ p2p: z.string(), block: z.string(), app: z.string() }),
  id: z.string(),
  listen_addr: z.string(),
  network: z.string(),
  version: z.string(),
  /** Channel ids as one lowercase hex string, two digits per channel (e.g. "40202122233038606100"). */
  channels: z.string(),
  moniker: z.string(),
  other: z.looseObject({ tx_index: z.string(), rpc_address: z.string() }),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

export const statusSchema = z.looseObject({
  node_info: nodeInfoSchema,
  sync_info: z.looseObject({
    latest_block_hash: z.string(),
    latest_block_height: decimal,
    latest_block_time: z.string(),
    catching_up: z.boolean(),
  }),
  validator_info: z.looseObject({ address: z.string(), voting_power: decimal }),
});
export type Status = z.infer<typeof statusSchema>;

export const peerSchema = z.looseObject({
  node_info: nodeInfoSchema,
  is_outbound: z.boolean(),
  remote_ip: z.string(),
  connection_status: z.unknown(),
});
export type NetInfoPeer = z.infer<typeof peerSchema>;

export const netInfoSchema = z.looseObject({
  listening: z.boolean(),
  listeners: z.array(z.string()),
  n_peers: decimal,
  peers: z.array(peerSchema),
});
export type NetInfo = z.infer<typeof netInfoSchema>;

const dialPeersSchema = z.looseObject({ Log: z.string().optional() });
export type DialPeersResult = z.infer<typeof dialPeersSchema>;

const envelopeSchema = z.looseObject({
  result: z.unknown().optional(),
  error: z.looseObject({ code: z.number(), message: z.string(), data: z.unknown().optional() }).optional(),
});

export interface RpcClientOptions {
  /** Per-request deadline in ms, on top of any caller signal. Default 5000. */
  readonly requestTimeoutMs?: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface DialPeersOptions extends CallOptions {
  /** Also mark the peers unconditional (not counted against peer limits). Default false. */
  readonly unconditional?: boolean;
  /** Also mark the peers private (their addresses are not gossiped). Default false. */
  readonly private?: boolean;
}

/** Minimal JSON-RPC client for the CometBFT RPC endpoints the interop tests use. */
export class CometBFTRpcClient {
  private readonly requestTimeoutMs: number;
  private nextId = 1;

  constructor(readonly url: string, options: RpcClientOptions = {}) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  }

  status(options: CallOptions = {}): Promise<Status> {
    return this.call('status', {}, statusSchema, options.signal);
  }

  netInfo(options: CallOptions = {}): Promise<NetInfo> {
    return this.call('net_info', {}, netInfoSchema, options.signal);
  }

  /** `dial_peers` is an "unsafe" route: the node must run with `rpc.unsafe = true`. */
  dialPeers(peers: readonly string[], persistent: boolean, options: DialPeersOptions = {}): Promise<DialPeersResult> {
    return this.call(
      'dial_peers',
      { peers, persistent, unconditional: options.unconditional ?? false, private: options.private ?? false },
      dialPeersSchema,
      options.signal,
    );
  }

  /** Calls `method` with JSON-RPC over HTTP POST and validates `result` against `schema`. */
  async call<S extends z.ZodType>(
    method: string,
    params: Record<string, unknown>,
    schema: S,
    signal?: AbortSignal,
  ): Promise<z.output<S>> {
    if (signal?.aborted) throw new AbortError(`RPC ${method} aborted`, { cause: signal.reason });
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const id = this.nextId++;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: combined,
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw new AbortError(`RPC ${method} aborted`, { cause: signal.reason });
      const why = timeout.aborted ? `no answer within ${this.requestTimeoutMs} ms` : describe(cause);
      throw new CometBFTRpcError(`RPC ${method} to ${this.url} failed: ${why}`, { cause });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new CometBFTRpcError(
        `RPC ${method} to ${this.url} returned HTTP ${response.status} with a non-JSON body: ${text.slice(0, 200)}`,
        { cause },
      );
    }
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success) {
      throw new CometBFTRpcError(`RPC ${method} returned a malformed JSON-RPC envelope: ${text.slice(0, 200)}`);
    }
    const { error, result } = envelope.data;
    if (error) {
      const data = error.data === undefined ? '' : ` (${typeof error.data === 'string' ? error.data : JSON.stringify(error.data)})`;
      throw new CometBFTRpcError(`RPC ${method} returned error ${error.code} ${error.message}${data}`);
    }
    if (!response.ok) {
      throw new CometBFTRpcError(`RPC ${method} returned HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(result);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(result)'}: ${i.message}, got ${JSON.stringify(valueAt(result, i.path))?.slice(0, 100)}`);
      throw new CometBFTRpcError(`RPC ${method} result has an unexpected shape: ${problems.join('; ')}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
