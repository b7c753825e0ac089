/**
 * healthCheck() for a started node: how many peers are connected, and whether each
 * configured peer (the recipients this node talks to) is connected or can be dialled now,
 * with the identify round trip over the open connection or the time a new dial took.
 */
import { describeError, type TransportHealth } from '@skcomm/core';
import type { Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import type { PeerAddress } from './peer-address.js';

export interface PeerProbe {
  peerId: string;
  /** How the peer was reached: over the open connection (an identify round trip) or by a new dial. */
  via?: 'connection' | 'dial';
  /** Set when the peer was reachable: the round trip or the dial time. */
  latencyMs?: number;
  error?: string;
}

/**
 * An open connection can outlive its peer for a moment (the FIN not yet processed), so a
 * connected peer is asked for an identify round trip; a peer without a working connection
 * is dialled.
 */
export async function probePeers(libp2p: Libp2p<{ identify: Identify }>, peers: readonly PeerAddress[], dialTimeoutMs: number): Promise<PeerProbe[]> {
  return Promise.all(peers.map((peer) => probePeer(libp2p, peer, dialTimeoutMs)));
}

async function probePeer(libp2p: Libp2p<{ identify: Identify }>, peer: PeerAddress, dialTimeoutMs: number): Promise<PeerProbe> {
  const peerId = peer.peerId.toString();
  const connection = libp2p.getConnections(peer.peerId).find((candidate) => candidate.status === 'open');
  if (connection !== undefined) {
    const started = performance.now();
    try {
      await libp2p.services.identify.identify(connection, { signal: AbortSignal.timeout(dialTimeoutMs) });
      return { peerId, via: 'connection', latencyMs: roundMs(performance.now() - started) };
    } catch {
      await libp2p.hangUp(peer.peerId).catch(() => undefined);
    }
  }
  const started = performance.now();
  try {
    await libp2p.dial(peer.address, { signal: AbortSignal.timeout(dialTimeoutMs) });
    return { peerId, via: 'dial', latencyMs: roundMs(performance.now() - started) };
  } catch (error) {
    return { peerId, error: describeError(error) };
  }
}

/** Up when no peer is configured or at least one configured peer is reachable. */
export function healthFromProbes(libp2p: Libp2p, probes: readonly PeerProbe[]): TransportHealth {
  const checkedAt = new Date();
  const listening = libp2p.getMultiaddrs().map((address) => address.toString());
  const summary = `${libp2p.getPeers().length} peer(s) connected; listening on ${listening.join(', ') || 'nothing'}`;
  if (probes.length === 0) return { status: 'up', detail: `${summary}; no peers configured to probe`, checkedAt };
  const reachable = probes.filter((probe) => probe.latencyMs !== undefined);
  const perPeer = probes
    .map((probe) =>
      probe.latencyMs === undefined
        ? `${probe.peerId} unreachable (${probe.error ?? 'unknown error'})`
        : probe.via === 'connection'
          ? `${probe.peerId} connected, identify round trip ${probe.latencyMs} ms`
          : `${probe.peerId} dialled in ${probe.latencyMs} ms`,
    )
    .join('; ');
  const first = reachable[0];
  if (first === undefined) return { status: 'down', detail: `${summary}; ${perPeer}`, checkedAt };
  return {
    status: reachable.length === probes.length ? 'up' : 'degraded',
    latencyMs: first.latencyMs,
    detail: `${summary}; ${perPeer}`,
    checkedAt,
  };
}

function roundMs(value: number): number {
  return Math.round(value * 100) / 100;
}
