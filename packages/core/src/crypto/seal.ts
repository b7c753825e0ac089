/**
 * Sealing: build the signed document, sign+encrypt it to the recipient (secured mode)
 * or carry it in the clear (open mode, an explicit choice), then add the detached
 * signature over the whole envelope minus routing.
 */
import { randomUUID } from 'node:crypto';
import * as openpgp from 'openpgp';
import { detachedSignatureInput, canonicalBytes } from '../envelope/canonical.js';
import {
  DEFAULT_MAX_RETRIES,
  COMMAND_TTL_SECONDS,
  DEFAULT_TTL_SECONDS,
  type Envelope,
  type SignedDocument,
  SKCOMM_VERSION,
  signedDocumentContext,
  type Urgency,
} from '../envelope/schema.js';
import { armor } from './armor.js';
import { openpgpConfig } from './config.js';
import type { PublicKeyHandle, SigningIdentityHandle } from './keys.js';
import { signDetached } from './signatures.js';

export type SecurityMode = 'secured' | 'open';

/** What the application wants to send. Everything else is filled in. */
export interface EnvelopeDraft {
  body: string;
  type?: string;
  contentType?: string;
  urgency?: Urgency;
  threadId?: string;
  inReplyTo?: string;
  ttlSeconds?: number;
  priorityTransports?: string[];
  fallbackTransports?: string[];
  maxRetries?: number;
  /** Fixed id and clock, for tests and test vectors. */
  envelopeId?: string;
  createdAt?: Date;
}

export interface SealOptions {
  sender: SigningIdentityHandle & { name: string };
  recipient: PublicKeyHandle & { name: string };
  /** 'secured' (default) signs and encrypts; 'open' signs only and must be asked for. */
  mode?: SecurityMode;
}

export function buildSignedDocument(draft: EnvelopeDraft, options: SealOptions): SignedDocument {
  return {
    ctx: signedDocumentContext,
    envelope_id: draft.envelopeId ?? randomUUID(),
    created_at: (draft.createdAt ?? new Date()).toISOString(),
    ttl_seconds: draft.ttlSeconds ?? (draft.type === 'command' ? COMMAND_TTL_SECONDS : DEFAULT_TTL_SECONDS),
    from: { name: options.sender.name, fingerprint: options.sender.fingerprint },
    to: { name: options.recipient.name, fingerprint: options.recipient.fingerprint },
    type: draft.type ?? 'message',
    content_type: draft.contentType ?? 'text/plain',
    urgency: draft.urgency ?? 'normal',
    thread_id: draft.threadId ?? null,
    in_reply_to: draft.inReplyTo ?? null,
    body: draft.body,
  };
}

export async function sealEnvelope(draft: EnvelopeDraft, options: SealOptions): Promise<Envelope> {
  const document = buildSignedDocument(draft, options);
  const documentBytes = canonicalBytes(document);
  const mode = options.mode ?? 'secured';
  const content =
    mode === 'secured'
      ? {
          content_encrypted: armor(
            await openpgp.encrypt({
              message: await openpgp.createMessage({ binary: documentBytes }),
              encryptionKeys: options.recipient.key,
              signingKeys: options.sender.privateKey,
              format: 'binary',
              config: openpgpConfig,
            }),
            'message',
          ),
        }
      : { content: new TextDecoder().decode(documentBytes) };
  const metadata: Envelope['metadata'] = { content_type: document.content_type, urgency: document.urgency };
  if (document.thread_id !== null) metadata.thread_id = document.thread_id;
  if (document.in_reply_to !== null) metadata.in_reply_to = document.in_reply_to;
  const unsigned: Envelope = {
    skcomm_version: SKCOMM_VERSION,
    envelope_id: document.envelope_id,
    timestamp: document.created_at,
    from: document.from,
    to: document.to,
    payload: { type: document.type, ...content, signature: '' },
    routing: {
      priority_transports: draft.priorityTransports ?? [],
      fallback_transports: draft.fallbackTransports ?? [],
      retry_count: 0,
      max_retries: draft.maxRetries ?? DEFAULT_MAX_RETRIES,
      ttl_seconds: document.ttl_seconds,
    },
    metadata,
  };
  const signature = await signDetached(detachedSignatureInput(unsigned), options.sender);
  return { ...unsigned, payload: { ...unsigned.payload, signature } };
}
