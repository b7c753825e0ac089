/**
 * The SSH address of a remote folder: `user@host[:port]:/absolute/path`.
 *
 *   lumina@mail.example.org:/home/lumina/skcomm/inbox      port 22
 *   lumina@127.0.0.1:2222:/srv/skcomm/inbox                explicit port
 *   lumina@[fd7a:115c::1]:2222:/srv/skcomm/inbox           IPv6 in brackets
 *
 * The path is absolute (scp's relative form would make `host:2222` ambiguous), has no
 * `.`/`..`/empty segments, no control characters, and is not `/` itself. One trailing
 * slash is allowed and dropped. The parser never throws: it returns a problem instead.
 */
import { isIP } from 'node:net';

export const DEFAULT_SSH_PORT = 22;
const MAX_ADDRESS_LENGTH = 4096;

export interface SshAddress {
  user: string;
  /** A host name, an IPv4 address, or an IPv6 address (without brackets). */
  host: string;
  port: number;
  /** Absolute, normalized: no trailing slash, no `.`/`..`/empty segments. */
  path: string;
}

export type SshAddressParse = { ok: true; address: SshAddress } | { ok: false; problem: string };

/** POSIX-ish login names: what useradd accepts, plus upper case. */
const USER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const HOST_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export function parseSshAddress(text: string): SshAddressParse {
  const fail = (problem: string): SshAddressParse => ({ ok: false, problem });
  if (typeof text !== 'string') return fail('must be a string');
  if (text.length > MAX_ADDRESS_LENGTH) return fail(`is longer than ${MAX_ADDRESS_LENGTH} characters`);
  if (CONTROL_CHARACTER.test(text)) return fail('contains a control character');

  const at = text.indexOf('@');
  if (at === -1) return fail('needs a user: user@host[:port]:/path');
  const user = text.slice(0, at);
  if (!USER_PATTERN.test(user)) return fail(`"${user}" is not a user name (letters, digits, _ . -; at most 64)`);

  const afterUser = text.slice(at + 1);
  const beforePath = afterUser.split('/')[0] ?? '';
  if (!afterUser.startsWith('[') && (beforePath.match(/:/g)?.length ?? 0) > 2) {
    return fail('an IPv6 host goes in brackets: user@[fd7a::1]:2222:/path');
  }
  const hostPart = splitHost(afterUser);
  if ('problem' in hostPart) return fail(hostPart.problem);
  const { host, rest } = hostPart;

  if (!rest.startsWith(':')) return fail('needs ":/path" after the host: user@host[:port]:/path');
  let pathText = rest.slice(1);
  let port = DEFAULT_SSH_PORT;
  const portMatch = /^(\d{1,5}):/.exec(pathText);
  if (portMatch !== null) {
    port = Number(portMatch[1]);
    if (port < 1 || port > 65_535 || portMatch[1]?.startsWith('0')) return fail(`port ${portMatch[1]} is not in 1..65535`);
    pathText = pathText.slice(portMatch[0].length);
  } else if (/^\d/.test(pathText)) {
    return fail('the port must be followed by ":/path"');
  }

  const path = normalizePath(pathText);
  if ('problem' in path) return fail(path.problem);
  return { ok: true, address: { user, host, port, path: path.path } };
}

/** The canonical text of an address: parseSshAddress(formatSshAddress(a)) equals a. */
export function formatSshAddress(address: SshAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const port = address.port === DEFAULT_SSH_PORT ? '' : `:${address.port}`;
  return `${address.user}@${host}${port}:${address.path}`;
}

/** `user@host:port`, for logs and error messages (never the path: that is per folder). */
export function endpointOf(address: Pick<SshAddress, 'user' | 'host' | 'port'>): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.user}@${host}:${address.port}`;
}

function splitHost(text: string): { host: string; rest: string } | { problem: string } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return { problem: 'an IPv6 host needs its closing "]"' };
    const host = text.slice(1, close);
    if (isIP(host) !== 6) return { problem: `"${host}" in brackets is not an IPv6 address` };
    return { host: host.toLowerCase(), rest: text.slice(close + 1) };
  }
  const colon = text.indexOf(':');
  const host = colon === -1 ? text : text.slice(0, colon);
  if (host === '') return { problem: 'needs a host: user@host[:port]:/path' };
  if (host.length > 253) return { problem: 'the host name is longer than 253 characters' };
  const labels = host.split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return { problem: `"${host}" is not a host name or address (IPv6 goes in brackets)` };
  if (labels.every((label) => /^\d+$/.test(label)) && isIP(host) !== 4) return { problem: `"${host}" is not an IPv4 address` };
  return { host: host.toLowerCase(), rest: colon === -1 ? '' : text.slice(colon) };
}

function normalizePath(text: string): { path: string } | { problem: string } {
  if (!text.startsWith('/')) return { problem: `the path "${text}" must be absolute (start with /)` };
  const trimmed = text.length > 1 && text.endsWith('/') ? text.slice(0, -1) : text;
  const segments = trimmed.split('/').slice(1);
  if (segments.length === 1 && segments[0] === '') return { problem: 'the path must name a folder, not /' };
  for (const segment of segments) {
    if (segment === '') return { problem: `the path "${text}" has an empty segment (//)` };
    if (segment === '.' || segment === '..') return { problem: `the path "${text}" has a "${segment}" segment` };
  }
  return { path: trimmed };
}
