/**
 * Port 0 in a listen address means "any free port"; once the node has bound, that port is
 * kept so a restart listens where peers were told to dial. The configured host is kept
 * too: a wildcard (0.0.0.0, ::) stays a wildcard rather than becoming the list of
 * interface addresses libp2p reports.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

interface TcpAddress {
  family: 'ip4' | 'ip6';
  host: string;
  port: number;
}

function tcpAddress(address: Multiaddr): TcpAddress | undefined {
  const [network, transport] = address.getComponents();
  if ((network?.name !== 'ip4' && network?.name !== 'ip6') || transport?.name !== 'tcp') return undefined;
  return { family: network.name, host: network.value ?? '', port: Number(transport.value) };
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** `configured` with every port 0 replaced by the port the node bound for it. */
export function resolvedListenAddresses(configured: readonly Multiaddr[], bound: readonly Multiaddr[]): Multiaddr[] {
  const boundTcp = bound.map(tcpAddress).filter((address) => address !== undefined);
  return configured.map((address) => {
    const wanted = tcpAddress(address);
    if (wanted === undefined || wanted.port !== 0) return address;
    const match = boundTcp.find((candidate) => candidate.family === wanted.family && (WILDCARDS.has(wanted.host) || candidate.host === wanted.host));
    return match === undefined ? address : multiaddr(`/${wanted.family}/${wanted.host}/tcp/${match.port}`);
  });
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopbackAddress(address: Multiaddr): boolean {
  const host = tcpAddress(address)?.host ?? '';
  return host.startsWith('127.') || host === '::1';
}
