/**
 * The links to peers, one per fingerprint, and their negotiation through the signaling
 * broker. The side that needs a link and has none sends an offer; the other answers. When
 * both dial at once (glare), the offer of the lower fingerprint wins and the other side
 * drops its own and answers it. An offer from a peer we already have a link with means
 * the peer lost its side (it restarted): the old link is replaced.
 */
import type { Logger } from '@skcomm/core';
import type { WebrtcTransportOptions } from './config.js';
import type { FileDelivery } from './file-receiver.js';
import type { FileSpool } from './file-spool.js';
import { LinkClosedError, unavailable } from './errors.js';
import { newSessionId, PeerLink, type LinkRole } from './peer-link.js';
import { decodeSignalMessage, encodeSignalMessage, SIGNAL_TYPE, type SignalMessage } from './signal-message.js';
import type { SignalingClient } from './signaling-client.js';

export interface PeerLinksOptions {
  selfFingerprint: string;
  transportName: string;
  options: WebrtcTransportOptions;
  logger: Logger;
  signaling: SignalingClient;
  onEnvelope(peer: string, bytes: Uint8Array, acknowledge: () => void): void;
  spool: FileSpool;
  onAttachment(peer: string, bytes: Uint8Array, delivery: FileDelivery, acknowledge: () => void): void;
}

export interface LinkReport {
  peer: string;
  state: PeerLink['state'];
  role: LinkRole;
  rttMs?: number;
}

export class PeerLinks {
  private readonly links = new Map<string, PeerLink>();

  constructor(private readonly init: PeerLinksOptions) {}

  /** An open link to `peer`, negotiating one if needed. Rejects with a retryable error when that fails. */
  async connect(peer: string): Promise<PeerLink> {
    const link = this.links.get(peer) ?? this.dial(peer);
    await link.opened;
    return link;
  }

  report(): LinkReport[] {
    return [...this.links.values()].map((link) => ({
      peer: link.peer,
      state: link.state,
      role: link.role,
      ...(link.rttMs === undefined ? {} : { rttMs: link.rttMs }),
    }));
  }

  /**
   * Closes every link, telling each peer (BYE) so it does not wait for a timeout. Resolves
   * once the attachments they were receiving are flushed to the spool.
   */
  async closeAll(reason: string): Promise<void> {
    const links = [...this.links.values()];
    for (const link of links) link.close(new LinkClosedError(reason), true);
    this.links.clear();
    await Promise.all(links.map((link) => link.settled()));
  }

  onSignal(sender: string, payload: Uint8Array): void {
    let message: SignalMessage;
    try {
      message = decodeSignalMessage(payload);
    } catch (error) {
      this.init.logger.warn('ignored a malformed signal', { transport: this.init.transportName, sender, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (message.kind === 'offer') this.onOffer(sender, message);
    else this.onAnswer(sender, message);
  }

  /** The broker could not forward our offer: fail that negotiation now instead of at its timeout. */
  onUnreachable(recipient: string, why: string): void {
    const link = this.links.get(recipient);
    if (link?.role === 'offerer' && link.state === 'connecting') link.close(unavailable(this.init.transportName, `${recipient}: ${why}`));
  }

  private dial(peer: string): PeerLink {
    const link = this.create(peer, 'offerer', newSessionId());
    void (async () => {
      const sdp = await link.createOffer();
      if (link.state === 'closed') return;
      await this.init.signaling.send(peer, encodeSignalMessage({ type: SIGNAL_TYPE, kind: 'offer', session: link.session, sdp }));
    })().catch((error: unknown) => link.close(asError(error)));
    return link;
  }

  private onOffer(sender: string, message: SignalMessage): void {
    const existing = this.links.get(sender);
    if (!existing && this.links.size >= this.init.options.maxLinks) {
      this.init.logger.warn('ignored an offer: at the link limit', { transport: this.init.transportName, sender, maxLinks: this.init.options.maxLinks });
      return;
    }
    if (existing?.role === 'offerer' && existing.state === 'connecting') {
      // Glare: the lower fingerprint's offer wins.
      if (this.init.selfFingerprint < sender) return;
      existing.close(new LinkClosedError('superseded by the peer\'s offer'));
    } else if (existing) {
      existing.close(new LinkClosedError(`${sender} started a new session`));
    }
    const link = this.create(sender, 'answerer', message.session);
    void (async () => {
      const sdp = await link.answer(message.sdp);
      if (link.state === 'closed') return;
      await this.init.signaling.send(sender, encodeSignalMessage({ type: SIGNAL_TYPE, kind: 'answer', session: link.session, sdp }));
    })().catch((error: unknown) => link.close(asError(error)));
  }

  private onAnswer(sender: string, message: SignalMessage): void {
    const link = this.links.get(sender);
    if (link?.role !== 'offerer' || link.session !== message.session || link.state !== 'connecting') return;
    link.acceptAnswer(message.sdp).catch((error: unknown) => link.close(asError(error)));
  }

  private create(peer: string, role: LinkRole, session: string): PeerLink {
    const link = new PeerLink({
      peer,
      role,
      session,
      transportName: this.init.transportName,
      options: this.init.options,
      logger: this.init.logger,
      onEnvelope: (bytes, acknowledge) => this.init.onEnvelope(peer, bytes, acknowledge),
      spool: this.init.spool,
      onAttachment: (bytes, delivery, acknowledge) => this.init.onAttachment(peer, bytes, delivery, acknowledge),
      onClosed: (closed) => {
        if (this.links.get(peer) === closed) this.links.delete(peer);
      },
    });
    this.links.set(peer, link);
    return link;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
