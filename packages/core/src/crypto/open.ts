/**
 * Opening: the cryptographic half of the receive pipeline. Given a schema-valid
 * envelope and the key pinned for its claimed sender, it checks the detached
 * signature, decrypts and verifies the inner signature with that key only, parses the
 * verified bytes and checks them against the outer header. Time window, replay and
 * trust are the pipeline's job (they need state).
 */
import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { detachedSignatureInput } from '../envelope/canonical.js';
import { parseSignedDocument } from '../envelope/parse.js';
import type { Envelope, SignedDocument } from '../envelope/schema.js';
import { ErrorCode, RejectionError, SkcommError } from '../errors.js';
import { dearmor } from './armor.js';
import { openpgpConfig } from './config.js';
import { type IdentityHandle, messageOf, type PublicKeyHandle } from './keys.js';
import type { SecurityMode } from './seal.js';
import { verifyDetached } from './signatures.js';

export interface OpenedEnvelope {
  document: SignedDocument;
  /** The exact verified bytes the document was parsed from. */
  documentBytes: Uint8Array;
  /** sha256 of `documentBytes`, hex: what acks bind to. */
  documentSha256: string;
  mode: SecurityMode;
}

export interface OpenOptions {
  self: IdentityHandle;
  /** The key pinned for the envelope's claimed sender (`from.fingerprint`). */
  senderKey: PublicKeyHandle;
}

const encoder = new TextEncoder();

export async function openEnvelope(envelope: Envelope, options: OpenOptions): Promise<OpenedEnvelope> {
  const { self, senderKey } = options;
  if (senderKey.fingerprint !== envelope.from.fingerprint) {
    throw new RejectionError(ErrorCode.UnknownSender, 'the key given is not the key of the claimed sender', { field: 'from.fingerprint' });
  }
  await verifyDetached(detachedSignatureInput(envelope), envelope.payload.signature, senderKey, 'envelope signature');

  const { content_encrypted: encrypted, content } = envelope.payload;
  const mode: SecurityMode = encrypted === undefined ? 'open' : 'secured';
  const documentBytes = encrypted === undefined ? encoder.encode(content ?? '') : await decryptAndVerify(encrypted, self, senderKey);
  let document: SignedDocument;
  try {
    document = parseSignedDocument(documentBytes);
  } catch (cause) {
    throw new RejectionError(ErrorCode.HeaderMismatch, `signed document is malformed: ${messageOf(cause)}`, {
      cause,
      field: SkcommError.is(cause) && cause.field !== undefined ? `document.${cause.field}` : 'document',
    });
  }
  checkBinding(envelope, document, self.fingerprint);
  return { document, documentBytes, documentSha256: createHash('sha256').update(documentBytes).digest('hex'), mode };
}

async function decryptAndVerify(armoredMessage: string, self: IdentityHandle, senderKey: PublicKeyHandle): Promise<Uint8Array> {
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: dearmor(armoredMessage, 'message'), config: openpgpConfig });
  } catch (cause) {
    throw new RejectionError(ErrorCode.DecryptFailed, `ciphertext is not a readable OpenPGP message: ${messageOf(cause)}`, {
      cause,
      field: 'payload.content_encrypted',
    });
  }
  let result: Awaited<ReturnType<typeof openpgp.decrypt<Uint8Array>>> & { data: Uint8Array };
  try {
    result = await openpgp.decrypt({
      message,
      decryptionKeys: self.privateKey,
      verificationKeys: senderKey.key,
      expectSigned: true,
      format: 'binary',
      date: new Date(),
      config: openpgpConfig,
    });
  } catch (cause) {
    const text = messageOf(cause);
    // expectSigned turns a missing or bad inner signature into a decrypt error; tell them apart.
    const code = /sign|verif/i.test(text) ? ErrorCode.SignatureInvalid : ErrorCode.DecryptFailed;
    throw new RejectionError(code, `cannot open the encrypted content: ${text}`, { cause, field: 'payload.content_encrypted' });
  }
  try {
    if (result.signatures.length !== 1) throw new Error(`expected one inner signature, found ${result.signatures.length}`);
    await Promise.all(result.signatures.map((entry) => entry.verified));
  } catch (cause) {
    throw new RejectionError(ErrorCode.SignatureInvalid, `inner signature invalid: ${messageOf(cause)}`, {
      cause,
      field: 'payload.content_encrypted',
    });
  }
  return result.data;
}

/** The verified document must say exactly what the outer header says, and name us. */
function checkBinding(envelope: Envelope, document: SignedDocument, selfFingerprint: string): void {
  if (document.to.fingerprint !== selfFingerprint) {
    throw new RejectionError(ErrorCode.RecipientMismatch, `signed for ${document.to.fingerprint}, not for this agent`, {
      field: 'document.to.fingerprint',
    });
  }
  const pairs: Array<[string, unknown, unknown]> = [
    ['envelope_id', document.envelope_id, envelope.envelope_id],
    ['timestamp', document.created_at, envelope.timestamp],
    ['from.fingerprint', document.from.fingerprint, envelope.from.fingerprint],
    ['from.name', document.from.name, envelope.from.name],
    ['to.fingerprint', document.to.fingerprint, envelope.to.fingerprint],
    ['to.name', document.to.name, envelope.to.name],
    ['payload.type', document.type, envelope.payload.type],
    ['metadata.content_type', document.content_type, envelope.metadata.content_type],
    ['metadata.urgency', document.urgency, envelope.metadata.urgency],
    ['metadata.thread_id', document.thread_id, envelope.metadata.thread_id ?? null],
    ['metadata.in_reply_to', document.in_reply_to, envelope.metadata.in_reply_to ?? null],
  ];
  for (const [field, signed, outer] of pairs) {
    if (signed !== outer) {
      throw new RejectionError(ErrorCode.HeaderMismatch, `outer ${field} does not match the signed document`, { field });
    }
  }
}
