import { tendermint } from '../../proto/gen/messages.js';
import { IncompatiblePeerError, InvalidNodeInfoError } from './errors.js';
import { isNodeID, type NodeID } from './node-id.js';

/** Protocol versions a node announces; only `block` is compared between peers. */
export interface ProtocolVersion {
  p2p: number;
  block: number;
  app: number;
}

/**
 * What a node tells its peers about itself right after the encrypted
 * handshake (CometBFT `DefaultNodeInfo`).
 */
export interface NodeInfo {
  readonly protocolVersion: ProtocolVersion;
  readonly nodeId: NodeID;
  /** `[scheme://]host:port` peers may dial back, e.g. "tcp://0.0.0.0:26656". */
  readonly listenAddr: string;
  /** Chain ID; peers must match exactly. */
  readonly network: string;
  /** Software version, e.g. "0.38.17"; may be empty. */
  readonly version: string;
  /** One byte per open channel ID. */
  readonly channels: Uint8Array;
  readonly moniker: string;
  readonly other: { readonly txIndex: string; readonly rpcAddress: string };
}

/** Largest encoded NodeInfo a peer accepts (CometBFT `maxNodeInfoSize`). */
export const MAX_NODE_INFO_SIZE = 10240;
/** Most channels a NodeInfo may list (CometBFT `maxNumChannels`). */
export const MAX_NODE_INFO_CHANNELS = 16;

/** Quotes a value for an error message, bounded so a hostile peer cannot bloat logs. */
function quote(value: string): string {
  const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  return JSON.stringify(shown);
}

const ASCII_TEXT_RE = /^[\x20-\x7e]+$/;
/** CometBFT `IsASCIIText(s) && ASCIITrim(s) != ""`: printable ASCII (no tabs) with a non-space character. */
function isNonBlankAsciiText(s: string): boolean {
  return ASCII_TEXT_RE.test(s) && /[^ ]/.test(s);
}

/** Go's net.SplitHostPort, returning a reason instead of an error. */
function splitHostPort(hostport: string): { host: string; port: string } | string {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return 'missing port';
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return "missing ']'";
    if (end + 1 === hostport.length) return 'missing port';
    if (end + 1 !== i) return hostport[end + 1] === ':' ? 'too many colons' : 'missing port';
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return 'too many colons (put IPv6 addresses in brackets)';
  }
  if (hostport.slice(j).includes('[')) return "unexpected '['";
  if (hostport.slice(k).includes(']')) return "unexpected ']'";
  return { host, port: hostport.slice(i + 1) };
}

/**
 * Checks listen_addr the way CometBFT's `NewNetAddressString` does, except
 * that a hostname is not resolved here (resolution is the caller's job).
 */
function listenAddrProblem(listenAddr: string): string | undefined {
  // CometBFT keeps only the text between the first and any second "://".
  const hostPort = listenAddr.includes('://') ? listenAddr.split('://')[1] : listenAddr;
  if (hostPort.includes('@')) return "it contains '@'";
  const split = splitHostPort(hostPort);
  if (typeof split === 'string') return split;
  if (split.host.length === 0) return 'the host is empty';
  if (!/^[0-9]+$/.test(split.port)) return `port ${quote(split.port)} is not a decimal number`;
  if (Number(split.port) > 65535) return `port ${split.port} is above 65535`;
  return undefined;
}

/** Safe integers only: protobufjs would silently mangle anything else when encoding a uint64. */
function isUint64Number(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Decoded uint64s above 2^53 arrive as inexact but integral numbers; they are still well-formed. */
function isDecodedUint64(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/**
 * Applies every rule of CometBFT's `DefaultNodeInfo.Validate` (plus a valid
 * lowercase node ID and integral protocol versions). Throws
 * InvalidNodeInfoError naming the field.
 */
export function validateNodeInfo(info: NodeInfo): void {
  if (!isNodeID(info.nodeId)) {
    throw new InvalidNodeInfoError('nodeId', `node ID ${quote(String(info.nodeId))} is invalid: expected 40 lowercase hex characters`);
  }
  const pv = info.protocolVersion;
  if (typeof pv !== 'object' || pv === null || !isDecodedUint64(pv.p2p) || !isDecodedUint64(pv.block) || !isDecodedUint64(pv.app)) {
    throw new InvalidNodeInfoError('protocolVersion', `protocol version ${JSON.stringify(pv)} is invalid: p2p, block and app must be non-negative integers`);
  }
  const listenProblem = typeof info.listenAddr === 'string' ? listenAddrProblem(info.listenAddr) : 'it is not a string';
  if (listenProblem !== undefined) {
    throw new InvalidNodeInfoError('listenAddr', `listen address ${quote(String(info.listenAddr))} is invalid: ${listenProblem}; expected [scheme://]host:port with a non-empty host and a port 0-65535`);
  }
  if (typeof info.network !== 'string') {
    throw new InvalidNodeInfoError('network', `network must be a string, got ${typeof info.network}`);
  }
  if (typeof info.version !== 'string' || (info.version.length > 0 && !isNonBlankAsciiText(info.version))) {
    throw new InvalidNodeInfoError('version', `version ${quote(String(info.version))} is invalid: expected empty or printable ASCII (0x20-0x7e, no tabs) that is not only spaces`);
  }
  if (!(info.channels instanceof Uint8Array)) {
    throw new InvalidNodeInfoError('channels', 'channels must be a Uint8Array of channel IDs');
  }
  if (info.channels.length > MAX_NODE_INFO_CHANNELS) {
    throw new InvalidNodeInfoError('channels', `${info.channels.length} channels listed; at most ${MAX_NODE_INFO_CHANNELS} are allowed`);
  }
  const seen = new Set<number>();
  for (const ch of info.channels) {
    if (seen.has(ch)) {
      throw new InvalidNodeInfoError('channels', `channel 0x${ch.toString(16).padStart(2, '0')} is listed more than once; channel IDs must be unique`);
    }
    seen.add(ch);
  }
  if (typeof info.moniker !== 'string' || !isNonBlankAsciiText(info.moniker)) {
    throw new InvalidNodeInfoError('moniker', `moniker ${quote(String(info.moniker))} is invalid: expected non-empty printable ASCII (0x20-0x7e, no tabs) that is not only spaces`);
  }
  const other = info.other;
  if (typeof other !== 'object' || other === null) {
    throw new InvalidNodeInfoError('other', 'other must be an object with txIndex and rpcAddress');
  }
  if (other.txIndex !== '' && other.txIndex !== 'on' && other.txIndex !== 'off') {
    throw new InvalidNodeInfoError('other.txIndex', `tx_index ${quote(String(other.txIndex))} is invalid: expected "on", "off" or ""`);
  }
  if (typeof other.rpcAddress !== 'string' || (other.rpcAddress.length > 0 && !isNonBlankAsciiText(other.rpcAddress))) {
    throw new InvalidNodeInfoError('other.rpcAddress', `rpc_address ${quote(String(other.rpcAddress))} is invalid: expected empty or printable ASCII (0x20-0x7e, no tabs) that is not only spaces`);
  }
}

/**
 * Encodes as `tendermint.p2p.DefaultNodeInfo` (no length prefix).
 * `protocol_version` and `other` are always emitted, as gogoproto does for
 * non-nullable sub-messages, so the bytes match CometBFT's.
 */
export function encodeNodeInfo(info: NodeInfo): Uint8Array {
  const pv = info.protocolVersion;
  if (!isUint64Number(pv.p2p) || !isUint64Number(pv.block) || !isUint64Number(pv.app)) {
    throw new InvalidNodeInfoError('protocolVersion', `cannot encode protocol version ${JSON.stringify(pv)}: p2p, block and app must be non-negative safe integers`);
  }
  const bytes = tendermint.p2p.DefaultNodeInfo.encode({
    protocolVersion: { p2p: pv.p2p, block: pv.block, app: pv.app },
    defaultNodeId: info.nodeId,
    listenAddr: info.listenAddr,
    network: info.network,
    version: info.version,
    channels: info.channels,
    moniker: info.moniker,
    other: { txIndex: info.other.txIndex, rpcAddress: info.other.rpcAddress },
  }).finish();
  if (bytes.length > MAX_NODE_INFO_SIZE) {
    throw new InvalidNodeInfoError('size', `encoded NodeInfo is ${bytes.length} bytes; peers reject more than ${MAX_NODE_INFO_SIZE}`);
  }
  return bytes;
}

/**
 * Decodes `tendermint.p2p.DefaultNodeInfo` bytes (no length prefix). Only
 * structure is checked: missing fields become zero values and the node ID is
 * taken as sent, so run `validateNodeInfo` before trusting the result.
 */
export function decodeNodeInfo(bytes: Uint8Array): NodeInfo {
  if (bytes.length > MAX_NODE_INFO_SIZE) {
    throw new InvalidNodeInfoError('bytes', `NodeInfo is ${bytes.length} bytes; at most ${MAX_NODE_INFO_SIZE} are accepted`);
  }
  let msg: tendermint.p2p.DefaultNodeInfo;
  try {
    msg = tendermint.p2p.DefaultNodeInfo.decode(bytes);
  } catch (err) {
    throw new InvalidNodeInfoError('bytes', `cannot decode NodeInfo (${bytes.length} bytes): ${(err as Error).message}`, { cause: err });
  }
  const pv = msg.protocolVersion ?? {};
  const other = msg.other ?? {};
  return {
    protocolVersion: { p2p: Number(pv.p2p ?? 0), block: Number(pv.block ?? 0), app: Number(pv.app ?? 0) },
    nodeId: (msg.defaultNodeId ?? '') as NodeID,
    listenAddr: msg.listenAddr ?? '',
    network: msg.network ?? '',
    version: msg.version ?? '',
    // Copy: the decoder returns a view into `bytes`, which the caller may reuse.
    channels: new Uint8Array(msg.channels ?? new Uint8Array(0)),
    moniker: msg.moniker ?? '',
    other: { txIndex: other.txIndex ?? '', rpcAddress: other.rpcAddress ?? '' },
  };
}

export function nodeInfoHasChannel(info: NodeInfo, channelId: number): boolean {
  return info.channels.includes(channelId);
}

function formatChannels(channels: Uint8Array): string {
  return `[${Array.from(channels, (c) => `0x${c.toString(16).padStart(2, '0')}`).join(', ')}]`;
}

/**
 * CometBFT `CompatibleWith`: equal block protocol version, equal network,
 * and at least one shared channel when we have any. The p2p and app
 * versions are deliberately not compared (CometBFT does not either).
 */
export function checkCompatible(local: NodeInfo, remote: NodeInfo): void {
  if (local.protocolVersion.block !== remote.protocolVersion.block) {
    throw new IncompatiblePeerError('block-version', `peer ${remote.nodeId} uses block protocol version ${remote.protocolVersion.block}, expected ${local.protocolVersion.block}`);
  }
  if (local.network !== remote.network) {
    throw new IncompatiblePeerError('network', `peer ${remote.nodeId} is on network ${quote(remote.network)}, expected ${quote(local.network)}`);
  }
  // A node without channels is only probing (tests, seed crawling), so it accepts anyone.
  if (local.channels.length === 0) return;
  for (const ch of local.channels) {
    if (remote.channels.includes(ch)) return;
  }
  throw new IncompatiblePeerError('no-common-channel', `peer ${remote.nodeId} shares no channel with us: ours ${formatChannels(local.channels)}, theirs ${formatChannels(remote.channels)}`);
}
