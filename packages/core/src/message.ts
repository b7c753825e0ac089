/**
 * What the application receives. Only the receive pipeline constructs a
 * VerifiedMessage (the brand is not exported), so unverified data cannot reach
 * application code through this type.
 */
import type { SignedDocument, Urgency } from './envelope/schema.js';

declare const verifiedBrand: unique symbol;

export const TRUST_LEVELS = ['untrusted', 'verified', 'trusted', 'sovereign'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export function trustAtLeast(level: TrustLevel, minimum: TrustLevel): boolean {
  return TRUST_LEVELS.indexOf(level) >= TRUST_LEVELS.indexOf(minimum);
}

export interface VerifiedMessage {
  readonly [verifiedBrand]: true;
  readonly envelopeId: string;
  readonly from: { readonly name: string; readonly fingerprint: string };
  readonly to: { readonly name: string; readonly fingerprint: string };
  readonly type: string;
  readonly contentType: string;
  readonly urgency: Urgency;
  readonly threadId: string | null;
  readonly inReplyTo: string | null;
  readonly body: string;
  readonly createdAt: Date;
  readonly ttlSeconds: number;
  /** 'secured' (signed and encrypted) or 'open' (signed, in the clear). */
  readonly mode: 'secured' | 'open';
  /** Trust level of the sender when the message was accepted. */
  readonly trust: TrustLevel;
  readonly transport: string;
  readonly receivedAt: Date;
  /** sha256 (hex) of the signed document: what acks bind to. */
  readonly documentSha256: string;
}

/** For the receive pipeline only: brands a document that passed every check. */
export function brandVerified(
  document: SignedDocument,
  details: { mode: 'secured' | 'open'; trust: TrustLevel; transport: string; receivedAt: Date; documentSha256: string },
): VerifiedMessage {
  return {
    envelopeId: document.envelope_id,
    from: document.from,
    to: document.to,
    type: document.type,
    contentType: document.content_type,
    urgency: document.urgency,
    threadId: document.thread_id,
    inReplyTo: document.in_reply_to,
    body: document.body,
    createdAt: new Date(document.created_at),
    ttlSeconds: document.ttl_seconds,
    ...details,
  } as VerifiedMessage;
}
