/**
 * The subset of Go's net/url that Tendermint's node-address parser relies
 * on, reproduced rule for rule so that every address tm35 accepts (and
 * rejects) is treated the same way here. WHATWG `URL` differs in too many
 * places (special schemes, opaque paths, percent-decoding, host checks) to
 * be used instead.
 *
 * Deviations, all stricter: control characters are rejected anywhere
 * (Go skips the fragment), and percent-escapes must decode to valid UTF-8
 * (Go keeps raw bytes, which JS strings cannot hold).
 */
import { InvalidArgumentError } from '../errors/base.js';

/** Why Go's url.Parse would refuse the input. Internal; callers wrap it. */
export class UrlSyntaxError extends InvalidArgumentError {
  override name = 'UrlSyntaxError';
}

export interface GoURL {
  /** Lower-cased scheme, "" when absent. */
  readonly scheme: string;
  /** Text after "scheme:" when it does not start with "/" (e.g. "memory:<id>"). */
  readonly opaque: string;
  /** Decoded user name of the userinfo part; undefined without "@". */
  readonly username?: string;
  /** Host as written (decoded), including any ":port" and IPv6 brackets. */
  readonly host: string;
  /** Decoded path. */
  readonly path: string;
  /** Query without "?", not decoded. */
  readonly rawQuery: string;
  /** Decoded fragment without "#". */
  readonly fragment: string;
}

type Mode = 'path' | 'host' | 'zone' | 'userinfo' | 'fragment';

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Go's shouldEscape for the modes the parser and formatter use (ASCII input). */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    if (mode === 'path') return c === '?';
    if (mode === 'userinfo') return c === '@' || c === '/' || c === '?' || c === ':';
    if (mode === 'fragment') return false;
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

/** Characters a host may hold unescaped (Go's shouldEscape in host mode says false for these). */
const PLAIN_HOST_RE = /^[A-Za-z0-9!$&'()*+,;=:[\]<>"\-_.~]*$/;
const PLAIN_ASCII_RE = /^[\x00-\x7f]*$/;

function unescape(s: string, mode: Mode): string {
  // Fast path for what nearly every address is: ASCII without escapes decodes to itself.
  // (Loading 100,000 stored peers spent 80% of its time in the general path below.)
  if (!s.includes('%') && (mode === 'host' || mode === 'zone' ? PLAIN_HOST_RE.test(s) : PLAIN_ASCII_RE.test(s))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw new UrlSyntaxError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      const escaped = s.slice(i, i + 3);
      const v = parseInt(s.slice(i + 1, i + 3), 16);
      // RFC 3986 §3.2.2: in a host, %-encoding is only for non-ASCII bytes (and %25 for zones).
      if (mode === 'host' && v < 0x80 && escaped !== '%25') {
        throw new UrlSyntaxError(`invalid URL escape ${JSON.stringify(escaped)} in host`);
      }
      if (mode === 'zone' && v < 0x80 && escaped !== '%25' && v !== 0x20 && shouldEscape(String.fromCharCode(v), 'host')) {
        throw new UrlSyntaxError(`invalid URL escape ${JSON.stringify(escaped)} in IPv6 zone`);
      }
      bytes.push(v);
      i += 3;
      continue;
    }
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if ((mode === 'host' || mode === 'zone') && cp < 0x80 && shouldEscape(ch, 'host')) {
      throw new UrlSyntaxError(`invalid character ${JSON.stringify(ch)} in host name`);
    }
    bytes.push(...encoder.encode(ch));
    i += ch.length;
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch (err) {
    throw new UrlSyntaxError(`percent-escapes in ${JSON.stringify(s)} do not form valid UTF-8`, { cause: err });
  }
}

/** Go's url escape: UTF-8 bytes that `shouldEscape` flags become upper-case %XX. */
export function goEscape(s: string, mode: 'path' | 'host'): string {
  let out = '';
  for (const b of encoder.encode(s)) {
    const c = String.fromCharCode(b);
    out += b >= 0x80 || shouldEscape(c, mode) ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

/** Go's validOptionalPort: "" or ":" followed by digits only. */
function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return port[0] === ':' && /^[0-9]*$/.test(port.slice(1));
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlSyntaxError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new UrlSyntaxError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new UrlSyntaxError(`invalid port ${JSON.stringify(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      return unescape(host.slice(0, zone), 'host') + unescape(host.slice(zone, i), 'zone') + unescape(host.slice(i), 'host');
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0 && !validOptionalPort(host.slice(i))) {
      throw new UrlSyntaxError(`invalid port ${JSON.stringify(host.slice(i))} after host`);
    }
  }
  return unescape(host, 'host');
}

const USERINFO_RE = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseAuthority(authority: string): { username?: string; host: string } {
  const at = authority.lastIndexOf('@');
  if (at < 0) return { host: parseHost(authority) };
  const host = parseHost(authority.slice(at + 1));
  const userinfo = authority.slice(0, at);
  if (!USERINFO_RE.test(userinfo)) throw new UrlSyntaxError(`invalid userinfo ${JSON.stringify(userinfo)}`);
  const colon = userinfo.indexOf(':');
  const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), 'userinfo');
  if (colon >= 0) unescape(userinfo.slice(colon + 1), 'userinfo'); // a bad password escape fails the parse too
  return { username, host };
}

/** Go's url.Parse (non-request mode). Throws UrlSyntaxError where Go returns an error. */
export function parseGoURL(raw: string): GoURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlSyntaxError('invalid control character in URL');
  const hash = raw.indexOf('#');
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash);
  const rawFragment = hash < 0 ? '' : raw.slice(hash + 1);

  const base = { scheme: '', opaque: '', host: '', path: '', rawQuery: '', username: undefined as string | undefined };
  if (beforeFragment === '*') {
    base.path = '*';
  } else {
    const { scheme, rest: afterScheme } = getScheme(beforeFragment);
    base.scheme = scheme.toLowerCase();
    let rest = afterScheme;
    if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
      rest = rest.slice(0, -1); // Go's ForceQuery: an empty query
    } else {
      const q = rest.indexOf('?');
      if (q >= 0) {
        base.rawQuery = rest.slice(q + 1);
        rest = rest.slice(0, q);
      }
    }
    if (!rest.startsWith('/') && base.scheme !== '') {
      base.opaque = rest; // rootless path after a scheme, e.g. "memory:<id>"
    } else {
      if (!rest.startsWith('/')) {
        const slash = rest.indexOf('/');
        const segment = slash < 0 ? rest : rest.slice(0, slash);
        if (segment.includes(':')) throw new UrlSyntaxError('first path segment in URL cannot contain colon');
      }
      if ((base.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
        let authority = rest.slice(2);
        rest = '';
        const slash = authority.indexOf('/');
        if (slash >= 0) {
          rest = authority.slice(slash);
          authority = authority.slice(0, slash);
        }
        const { username, host } = parseAuthority(authority);
        base.username = username;
        base.host = host;
      }
      base.path = unescape(rest, 'path');
    }
  }
  const fragment = rawFragment === '' ? '' : unescape(rawFragment, 'fragment');
  return { ...base, fragment };
}

/** Go's URL.Hostname(): host without port and without IPv6 brackets. */
export function urlHostname(host: string): string {
  return splitUrlHostPort(host).hostname;
}

/** Go's URL.Port(): the digits after the host's last valid ":", or "". */
export function urlPort(host: string): string {
  return splitUrlHostPort(host).port;
}

function splitUrlHostPort(hostPort: string): { hostname: string; port: string } {
  let hostname = hostPort;
  let port = '';
  const colon = hostPort.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(hostPort.slice(colon))) {
    hostname = hostPort.slice(0, colon);
    port = hostPort.slice(colon + 1);
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return { hostname, port };
}
