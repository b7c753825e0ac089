/**
 * The WebRTC signaling broker: forwards SIGNAL payloads (offers, answers) from one
 * authenticated client to the signaling connections of the fingerprint it names, at
 * once. Nothing is stored: a recipient without a signaling connection is reported back
 * to the sender as unreachable, and the sender tries again later.
 */
import { encodeSignalIn, encodeSignalUnreachable, SignalFailure } from '@skcomm/relay-protocol';
import type { WebSocket } from 'ws';

const MAX_BUFFERED_BYTES = 1024 * 1024;

export class SignalingBroker {
  private readonly connections = new Map<string, Set<WebSocket>>();

  register(fingerprint: string, socket: WebSocket): void {
    let set = this.connections.get(fingerprint);
    if (!set) this.connections.set(fingerprint, (set = new Set()));
    set.add(socket);
  }

  unregister(fingerprint: string, socket: WebSocket): void {
    const set = this.connections.get(fingerprint);
    if (!set?.delete(socket)) return;
    if (set.size === 0) this.connections.delete(fingerprint);
  }

  connectionsOf(fingerprint: string): number {
    return this.connections.get(fingerprint)?.size ?? 0;
  }

  /**
   * Forwards `payload` from the authenticated `sender` to every signaling connection of
   * `recipient`; false (and the sender told so) when it has none that is keeping up.
   */
  forward(sender: string, recipient: string, payload: Uint8Array, from: WebSocket): boolean {
    const targets = this.connections.get(recipient);
    if (!targets || targets.size === 0) {
      this.refuse(from, recipient, SignalFailure.NotConnected);
      return false;
    }
    const frame = encodeSignalIn(sender, payload);
    let forwarded = false;
    for (const socket of targets) {
      // A recipient that does not read its signals is not buffered for without bound.
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) continue;
      socket.send(frame, { binary: true });
      forwarded = true;
    }
    if (!forwarded) this.refuse(from, recipient, SignalFailure.NotConnected);
    return forwarded;
  }

  refuse(from: WebSocket, recipient: string, reason: SignalFailure): void {
    from.send(encodeSignalUnreachable(recipient, reason), { binary: true });
  }
}
