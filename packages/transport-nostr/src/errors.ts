import { ErrorCode, SkcommError, TransportError } from '@skcomm/core';

/** A send, receive or health failure of the Nostr transport. */
export class NostrTransportError extends TransportError {}

/** Why an incoming Nostr event was not accepted as an SKComm envelope. */
export type NostrRejectionReason =
  | 'malformed'
  | 'wrong-kind'
  | 'bad-signature'
  | 'not-for-us'
  | 'stale'
  | 'from-future'
  | 'too-large'
  | 'decrypt-failed'
  | 'pubkey-mismatch'
  | 'not-skcomm';

const CODES: Record<NostrRejectionReason, ErrorCode> = {
  malformed: ErrorCode.EnvelopeInvalid,
  'wrong-kind': ErrorCode.EnvelopeInvalid,
  'bad-signature': ErrorCode.SignatureInvalid,
  'not-for-us': ErrorCode.RecipientMismatch,
  stale: ErrorCode.Expired,
  'from-future': ErrorCode.FromFuture,
  'too-large': ErrorCode.EnvelopeTooLarge,
  'decrypt-failed': ErrorCode.DecryptFailed,
  'pubkey-mismatch': ErrorCode.HeaderMismatch,
  'not-skcomm': ErrorCode.EnvelopeInvalid,
};

/**
 * An event a relay handed us that is not a valid SKComm gift wrap for this key. The
 * transport logs it, counts it and carries on: a relay (or anyone publishing to it) can
 * send anything, and no input may stop the subscription.
 */
export class NostrEventRejectedError extends SkcommError {
  readonly reason: NostrRejectionReason;
  /**
   * True when the event's id and signature were verified before it was rejected, so the
   * id really names this content and may be remembered as bad. A forged copy carrying a
   * genuine event's id must not get that id blocked.
   */
  readonly authentic: boolean;

  constructor(reason: NostrRejectionReason, message: string, options: { cause?: unknown; authentic?: boolean } = {}) {
    super(CODES[reason], message, { cause: options.cause });
    this.reason = reason;
    this.authentic = options.authentic ?? false;
  }

  /** The same rejection, for an event whose id and signature were verified. */
  ofAuthenticEvent(): NostrEventRejectedError {
    return new NostrEventRejectedError(this.reason, this.message, { cause: this.cause, authentic: true });
  }
}
