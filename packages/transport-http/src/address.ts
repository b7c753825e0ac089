/**
 * The two address forms of this transport: `listen=HOST:PORT` for the receiving server
 * and a peer's endpoint URL (`http://127.0.0.1:8080/skcomm`).
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

const DEFAULT_LISTEN_HOST = '127.0.0.1';
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Reads `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (host 127.0.0.1: listening on every
 * interface must be asked for, with `0.0.0.0:PORT`). Returns a problem in words otherwise.
 */
export function parseListenAddress(text: string): ListenAddress | { problem: string } {
  const trimmed = text.trim();
  let host = DEFAULT_LISTEN_HOST;
  let portText = trimmed;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
    if (isIP(host) !== 6) return { problem: `"${host}" is not an IPv6 address` };
  } else if (trimmed.includes(':')) {
    const colon = trimmed.lastIndexOf(':');
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
    if (host.includes(':')) return { problem: 'an IPv6 host must be written in brackets: [::1]:8080' };
    if (isIP(host) === 0 && !HOSTNAME.test(host)) return { problem: `"${host}" is not a host name or IP address` };
  }
  if (!/^\d{1,5}$/.test(portText)) return { problem: 'the port must be a number' };
  const port = Number(portText);
  if (port > 65_535) return { problem: 'the port must be at most 65535' };
  return { host, port };
}

/** A peer endpoint or mailbox URL: http or https, no fragment. Returns the URL or a problem. */
export function parseEndpointUrl(text: string): URL | { problem: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { problem: 'is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'must be an http:// or https:// URL' };
  if (url.hash !== '') return { problem: 'must not have a #fragment' };
  if (url.username !== '' || url.password !== '') return { problem: 'must not carry credentials (use pollToken)' };
  return url;
}

/** `base` with `suffix` appended to its path (`/skcomm` + `/health`), query dropped. */
export function endpointUrl(base: URL, suffix: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${suffix}`;
  url.search = '';
  return url;
}
