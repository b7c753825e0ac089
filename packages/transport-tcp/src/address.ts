/**
 * `HOST:PORT` addresses: `127.0.0.1:9999`, `[fd7a:115c:a1e0::1]:9999`, `peer.tailnet.ts.net:9999`,
 * or a bare `PORT` where a default host applies (the listener).
 */
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const PORT = /^\d{1,5}$/;

/** Parses `HOST:PORT` (or `PORT` when `defaultHost` is given); returns why not otherwise. */
export function parseHostPort(text: string, options: { defaultHost?: string; allowPortZero?: boolean } = {}): HostPort | { problem: string } {
  const trimmed = text.trim();
  let host: string;
  let portText: string;
  if (options.defaultHost !== undefined && PORT.test(trimmed)) {
    host = options.defaultHost;
    portText = trimmed;
  } else if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close === -1 || trimmed[close + 1] !== ':') return { problem: 'must be [IPv6]:PORT' };
    host = trimmed.slice(1, close);
    portText = trimmed.slice(close + 2);
    if (isIP(host) !== 6) return { problem: `"${host}" is not an IPv6 address` };
  } else {
    const colon = trimmed.lastIndexOf(':');
    if (colon <= 0) return { problem: 'must be HOST:PORT' };
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
    if (host.includes(':')) return { problem: 'an IPv6 address must be written in brackets: [ADDRESS]:PORT' };
    if (isIP(host) === 0 && !HOSTNAME.test(host)) return { problem: `"${host}" is not an IP address or host name` };
  }
  if (!PORT.test(portText)) return { problem: `port "${portText}" is not a number` };
  const port = Number(portText);
  const lowest = options.allowPortZero === true ? 0 : 1;
  if (port < lowest || port > 65535) return { problem: `port ${port} is outside ${lowest}..65535` };
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
