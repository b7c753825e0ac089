/** The types sending a file shares with resuming one: what the agent lends them, and the caller's options. */
import type { EnvelopeDraft, IdentityHandle } from '../crypto/index.js';
import type { HomeLayout } from '../store/layout.js';
import type { PeerStore } from '../store/peers.js';
import type { Logger, Transport } from '../transport/contract.js';
import type { AgentSendOptions, SendReport } from './types.js';

export type FileSendPhase = 'hashing' | 'sending';

export interface SendFileOptions {
  /** Name the recipient sees; default the file's base name. */
  name?: string;
  /** A media type such as `application/pdf`. */
  mediaType?: string;
  /** hashing: plaintext bytes hashed; sending: plaintext bytes the receiver holds durably. */
  onProgress?(phase: FileSendPhase, done: number, total: number): void;
  signal?: AbortSignal;
  /** After the hand-off, wait up to this long for the recipient's signed ack (state `delivered`). */
  waitMs?: number;
}

/** What sendFile needs from the agent; closures over its private parts. */
export interface FileSendContext {
  layout: HomeLayout;
  logger: Logger;
  peers: PeerStore;
  retryScheduleMs: readonly number[];
  random?: () => number;
  unlock(): Promise<IdentityHandle & { name: string }>;
  transports(): Promise<readonly Transport[]>;
  send(peerName: string, draft: EnvelopeDraft, options: AgentSendOptions): Promise<{ envelopeId: string; report: SendReport }>;
  /** One receive pass over every transport (acks arrive this way). */
  receive(): Promise<unknown>;
}
