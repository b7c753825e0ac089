/**
 * Loopback-safe ICE for werift (notes/feasibility-p2p.md §2). werift asks Google's public
 * STUN server whenever no STUN server is configured (`iceServers: []` included), and
 * offers every non-loopback interface as a host candidate. Here:
 *   - ICE servers come from config only; with none, the ICE agent's STUN server is
 *     removed before gathering, so no STUN request leaves at all;
 *   - exactly one host candidate: the configured bind address, whose socket is bound to it;
 *   - candidates in SDP, ours and the peer's, are filtered to addresses ICE may use.
 */
import type { RTCPeerConnection } from 'werift';
import type { WebrtcTransportOptions } from './config.js';

type PeerConfiguration = NonNullable<ConstructorParameters<typeof RTCPeerConnection>[0]>;

export function isLoopbackAddress(address: string): boolean {
  return /^127(?:\.\d{1,3}){3}$/.test(address);
}

export function peerConnectionConfig(options: WebrtcTransportOptions): PeerConfiguration {
  const loopbackOnly = isLoopbackAddress(options.bindAddress);
  return {
    iceServers: options.iceServers.map((urls) =>
      urls.startsWith('turn')
        ? { urls, ...(options.turnUsername === undefined ? {} : { username: options.turnUsername }), ...(options.turnCredential === undefined ? {} : { credential: options.turnCredential }) }
        : { urls },
    ),
    // No interface enumeration: the bind address is the only host address.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [options.bindAddress],
    iceInterfaceAddresses: { udp4: options.bindAddress },
    iceFilterCandidatePair: (pair) =>
      pair.localCandidate.host === options.bindAddress && (!loopbackOnly || isLoopbackAddress(pair.remoteCandidate.host)),
  };
}

/**
 * Call between createOffer()/setRemoteDescription() and setLocalDescription(): the ICE
 * agents exist then and gather only when the local description is set.
 */
export function withholdDefaultStun(peerConnection: RTCPeerConnection, options: WebrtcTransportOptions): void {
  if (options.iceServers.some((url) => url.startsWith('stun:'))) return;
  for (const transport of peerConnection.iceTransports) transport.connection.stunServer = undefined;
}

/**
 * Keeps only the `a=candidate` lines ICE may use: IPv4 literals (no mDNS `.local` names,
 * which would make werift query multicast DNS), and only loopback ones on a loopback bind.
 */
export function filterCandidates(sdp: string, options: WebrtcTransportOptions): string {
  const loopbackOnly = isLoopbackAddress(options.bindAddress);
  return sdp
    .split('\r\n')
    .filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const address = line.split(' ')[4] ?? '';
      if (!/^\d{1,3}(?:\.\d{1,3}){3}$/.test(address)) return false;
      return !loopbackOnly || isLoopbackAddress(address);
    })
    .join('\r\n');
}

/** UDP socket buffer size asked for; the kernel caps it at net.core.rmem_max / wmem_max. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

interface IceProtocolWithSocket {
  transport?: { socket?: { setRecvBufferSize(size: number): void; setSendBufferSize(size: number): void } };
}

/**
 * Call once the local description is set (the ICE sockets are bound then). With Linux's
 * default 208 KiB receive buffer, a bulk transfer overflows it whenever the event loop is
 * busy for a few ms; each drop costs werift's SCTP a retransmission timeout (at least 1 s).
 */
export function enlargeSocketBuffers(peerConnection: RTCPeerConnection): void {
  for (const transport of peerConnection.iceTransports) {
    // werift keeps the ICE sockets on its (untyped) protocols.
    for (const protocol of (transport.connection as unknown as { protocols: IceProtocolWithSocket[] }).protocols) {
      const socket = protocol.transport?.socket;
      try {
        socket?.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        socket?.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch {
        // Not bound (no candidate on this protocol): nothing to enlarge.
      }
    }
  }
}
