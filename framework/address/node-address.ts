import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AbortError, throwIfAborted } from '../errors/base.js';
import { isNodeID, parseNodeID, type NodeID } from '../identity/node-id.js';
import type { Endpoint, Protocol } from './endpoint.js';
import { AddressResolutionError, InvalidNodeAddressError } from './errors.js';
import { goEscape, parseGoURL, urlHostname, urlPort, type GoURL } from './go-url.js';
import { canonicalIP } from './ip.js';

/** Protocol assumed for scheme-less addresses (`id@host:port`). */
export const DEFAULT_PROTOCOL: Protocol = 'mconn';
/** Longest address string `NodeAddress.parse` accepts; real ones are < 200 characters. */
export const MAX_NODE_ADDRESS_LENGTH = 2048;

/** Resolves a hostname to IP literals. */
export type HostLookup = (hostname: string, options: { signal?: AbortSignal }) => Promise<readonly string[]>;

export interface ResolveOptions {
  readonly signal?: AbortSignal;
  /** Default: node:dns/promises `lookup(host, { all: true, verbatim: true })` (the OS resolver, /etc/hosts included). */
  readonly lookup?: HostLookup;
}

export interface NodeAddressFields {
  readonly nodeId: NodeID;
  readonly protocol: Protocol;
  /** Default "" (no host: a local address such as memory). */
  readonly hostname?: string;
  /** Default 0 (unset). */
  readonly port?: number;
  /** Default "". */
  readonly path?: string;
}

// "::" marks a scheme; without it the input cannot have meant one.
const hasScheme = (s: string): boolean => s.includes('://');
// "host:80/…" parses as scheme "host"; such inputs get the default scheme instead.
const SCHEME_IS_HOST_RE = /^[^/:]+:\d+(\/|$)/;

async function defaultLookup(hostname: string): Promise<readonly string[]> {
  const records = await dnsLookup(hostname, { all: true, verbatim: true });
  return records.map((r) => r.address);
}

/** Rejects with AbortError as soon as `signal` fires, even if `promise` cannot be cancelled. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError('address resolution was aborted', { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * A peer's address: node ID plus where to reach it. Unlike an Endpoint it
 * may name a DNS host, which `resolve()` expands into one endpoint per IP.
 * Forms: `mconn://<id>@host:port[/path]`, `<id>@host[:port]` (mconn),
 * `tcp://…`, and `memory:<id>` for in-process transports. Parsing follows
 * Tendermint v0.35's `ParseNodeAddress` exactly.
 */
export class NodeAddress {
  readonly nodeId: NodeID;
  readonly protocol: Protocol;
  /** Lower-cased host name or IP literal (IPv6 without brackets); "" when local. */
  readonly hostname: string;
  /** 0 = unset (the transport's default port). */
  readonly port: number;
  /** Decoded path, plus "?query" and "#fragment" when present; "" when none. */
  readonly path: string;

  /**
   * Builds an address from fields, applying the same checks as `parse` and
   * the same normalisation, so that `equals` compares canonical forms:
   * protocol and hostname are lower-cased, IPv6 brackets dropped, a path
   * gets a leading "/" (unless it starts with "?" or "#"), and a local
   * address whose path is its node ID (tm35's memory endpoint) drops the path.
   */
  constructor(fields: NodeAddressFields) {
    const protocol = typeof fields.protocol === 'string' ? fields.protocol.toLowerCase() : fields.protocol;
    let hostname = (fields.hostname ?? '').toLowerCase();
    if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
    const port = fields.port ?? 0;
    let path = fields.path ?? '';
    if (hostname === '' && path === fields.nodeId) path = '';
    if (path !== '' && !'/#?'.includes(path[0])) path = `/${path}`;
    const shown = JSON.stringify({ ...fields });
    if (typeof protocol !== 'string' || protocol === '') {
      throw new InvalidNodeAddressError(shown, `invalid node address ${shown}: no protocol`);
    }
    if (!isNodeID(fields.nodeId)) {
      throw new InvalidNodeAddressError(shown, `invalid node address ${shown}: node ID ${JSON.stringify(fields.nodeId)} is not 40 lowercase hex characters`);
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidNodeAddressError(shown, `invalid node address ${shown}: port ${String(port)} is not an integer 0-65535`);
    }
    if (port > 0 && hostname === '') {
      throw new InvalidNodeAddressError(shown, `invalid node address ${shown}: a port needs a hostname`);
    }
    this.nodeId = fields.nodeId;
    this.protocol = protocol;
    this.hostname = hostname;
    this.port = port;
    this.path = path;
  }

  /**
   * Parses and normalises an address string (scheme, hostname and user-part
   * node ID lower-cased). Throws InvalidNodeAddressError naming the input.
   */
  static parse(value: string): NodeAddress {
    if (typeof value !== 'string') {
      throw new InvalidNodeAddressError(String(value), `invalid node address: expected a string, got ${typeof value}`);
    }
    const q = JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
    const fail = (why: string, cause?: unknown): never => {
      throw new InvalidNodeAddressError(value, `invalid node address ${q}: ${why}`, cause === undefined ? undefined : { cause });
    };
    if (value.length > MAX_NODE_ADDRESS_LENGTH) fail(`longer than ${MAX_NODE_ADDRESS_LENGTH} characters`);

    let url: GoURL | undefined;
    let error: unknown;
    try {
      url = parseGoURL(value);
    } catch (err) {
      error = err;
    }
    if ((url === undefined || url.scheme === '') && (!hasScheme(value) || SCHEME_IS_HOST_RE.test(value))) {
      try {
        url = parseGoURL(`${DEFAULT_PROTOCOL}://${value}`);
        error = undefined;
      } catch (err) {
        url = undefined;
        error = err;
      }
    }
    if (url === undefined) return fail((error as Error).message, error);

    const protocol = url.scheme;
    if (protocol === '') fail('no protocol (scheme)');
    if (url.opaque !== '') {
      // "scheme:<id>" (memory transport). tm35 does not lower-case this form.
      return new NodeAddress({ protocol, nodeId: NodeAddress.#parseId(url.opaque, fail) });
    }
    const rawId = url.username?.toLowerCase() ?? '';
    const hostname = urlHostname(url.host).toLowerCase();
    const portText = urlPort(url.host);
    let port = 0;
    if (portText !== '') {
      port = Number(portText);
      if (portText.length > 5 || port > 65535) fail(`port ${JSON.stringify(portText)} is out of range 0-65535`);
    }
    let path = url.path;
    if (url.rawQuery !== '') path += `?${url.rawQuery}`;
    if (url.fragment !== '') path += `#${url.fragment}`;
    if (path !== '' && !'/#?'.includes(path[0])) path = `/${path}`;
    const nodeId = NodeAddress.#parseId(rawId, fail);
    if (port > 0 && hostname === '') fail(`port ${port} given without a hostname`);
    return new NodeAddress({ protocol, nodeId, hostname, port, path });
  }

  static #parseId(raw: string, fail: (why: string, cause?: unknown) => never): NodeID {
    if (raw === '') return fail('no node ID (expected <id>@host[:port] or memory:<id>)');
    try {
      return parseNodeID(raw);
    } catch (err) {
      return fail(`node ID ${JSON.stringify(raw)} is not 40 lowercase hex characters`, err);
    }
  }

  /**
   * The URL form; `NodeAddress.parse(a.toString())` equals `a`. Follows tm35's
   * `String()` except that IPv6 hosts are always bracketed (tm35 omits the
   * brackets without a port, which does not parse back). As in tm35, a path
   * that starts with "?" or "#" (query or fragment without a path) comes back
   * with a leading "/".
   */
  toString(): string {
    if (this.hostname !== '') {
      const host = goEscape(this.hostname, 'host');
      const bracketed = this.hostname.includes(':') ? `[${host}]` : host;
      const port = this.port > 0 ? `:${this.port}` : '';
      const path = this.path === '' ? '' : goEscape(this.path[0] === '/' ? this.path : `/${this.path}`, 'path');
      return `${this.protocol}://${this.nodeId}@${bracketed}${port}${path}`;
    }
    if (this.path === '' || this.path === this.nodeId) return `${this.protocol}:${this.nodeId}`;
    const path = goEscape(this.path[0] === '/' ? this.path : `/${this.path}`, 'path');
    return `${this.protocol}://${this.nodeId}@${path}`;
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: NodeAddress): boolean {
    return (
      other instanceof NodeAddress &&
      this.nodeId === other.nodeId &&
      this.protocol === other.protocol &&
      this.hostname === other.hostname &&
      this.port === other.port &&
      this.path === other.path
    );
  }

  /**
   * Expands the address into endpoints: an IP literal gives one, a hostname
   * one per distinct IP returned by DNS (in resolver order), and an address
   * without hostname one path endpoint whose path is the node ID (as tm35).
   * Rejects with AddressResolutionError on DNS failure and AbortError when
   * `signal` fires (a pending OS lookup is abandoned, not cancelled).
   */
  async resolve(options: ResolveOptions = {}): Promise<Endpoint[]> {
    const { signal } = options;
    throwIfAborted(signal);
    if (this.hostname === '') return [{ protocol: this.protocol, path: this.nodeId }];
    if (isIP(this.hostname) !== 0) return [this.#endpoint(this.hostname)];

    const lookup = options.lookup ?? defaultLookup;
    let ips: readonly string[];
    try {
      ips = await raceAbort(Promise.resolve().then(() => lookup(this.hostname, { signal })), signal);
    } catch (err) {
      if (signal?.aborted) throw err instanceof AbortError ? err : new AbortError('address resolution was aborted', { cause: signal.reason });
      throw new AddressResolutionError(this.hostname, `cannot resolve ${JSON.stringify(this.hostname)} (${this.toString()}): ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    const seen = new Set<string>();
    const endpoints: Endpoint[] = [];
    for (const ip of ips) {
      const canonical = typeof ip === 'string' ? canonicalIP(ip) : undefined;
      if (canonical === undefined) {
        throw new AddressResolutionError(this.hostname, `resolving ${JSON.stringify(this.hostname)} returned ${JSON.stringify(ip)}, which is not an IP address`);
      }
      if (seen.has(canonical)) continue;
      seen.add(canonical);
      endpoints.push(this.#endpoint(ip));
    }
    if (endpoints.length === 0) {
      throw new AddressResolutionError(this.hostname, `resolving ${JSON.stringify(this.hostname)} returned no addresses`);
    }
    return endpoints;
  }

  #endpoint(ip: string): Endpoint {
    return {
      protocol: this.protocol,
      ip,
      ...(this.port > 0 ? { port: this.port } : {}),
      ...(this.path !== '' ? { path: this.path } : {}),
    };
  }
}
