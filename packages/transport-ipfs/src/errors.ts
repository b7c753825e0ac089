import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the IPFS transport. */
export class IpfsTransportError extends TransportError {}

/** `retryable` and the error code for each refusal a recipient can send back (see announce-codec.ts). */
export const REFUSALS = {
  /** The announce frame did not parse, or named a CID this transport never carries. */
  'bad-announce': { retryable: false, code: ErrorCode.EnvelopeInvalid },
  /** The announce is for another fingerprint than the one the recipient receives as. */
  'wrong-recipient': { retryable: false, code: ErrorCode.RecipientMismatch },
  /** Larger than the recipient's maxEnvelopeBytes. */
  'too-large': { retryable: false, code: ErrorCode.EnvelopeTooLarge },
  /** The recipient's queue of uncommitted envelopes is full; it drains as the recipient commits. */
  busy: { retryable: true, code: ErrorCode.TransportUnavailable },
  /** Bitswap did not deliver the block in time (the sender dropped it, or the link is slow). */
  'not-found': { retryable: true, code: ErrorCode.Transport },
  /** The bytes that arrived do not hash to the announced CID. */
  'cid-mismatch': { retryable: false, code: ErrorCode.EnvelopeInvalid },
  /** The recipient is stopping. */
  stopping: { retryable: true, code: ErrorCode.TransportUnavailable },
} as const satisfies Record<string, { retryable: boolean; code: ErrorCode }>;

export type RefusalReason = keyof typeof REFUSALS;

export function isRefusalReason(value: unknown): value is RefusalReason {
  return typeof value === 'string' && Object.hasOwn(REFUSALS, value);
}
