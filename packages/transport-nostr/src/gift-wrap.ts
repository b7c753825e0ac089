/**
 * The SKComm envelope in a NIP-59 gift wrap, NIP-17 style:
 *
 *   kind 14 rumor (unsigned, from the sender's key; content = the envelope bytes, base64)
 *     -> kind 13 seal (signed by the sender, NIP-44 encrypted to the recipient)
 *       -> kind 1059 gift wrap (signed by a one-time key, NIP-44 encrypted, `p` = recipient)
 *
 * Seal and wrap carry a `created_at` randomised up to two days into the past (NIP-59),
 * so relays learn neither sender nor send time. Unwrapping applies every NIP-17 check:
 * kinds at each layer, both signatures, and the seal's pubkey equal to the rumor's
 * ("otherwise any sender can impersonate any other").
 */
import { getConversationKey, decrypt as nip44Decrypt, encrypt as nip44Encrypt } from 'nostr-tools/nip44';
import { generateSecretKey, getEventHash, type NostrEvent } from 'nostr-tools/pure';
import { NostrEventRejectedError } from './errors.js';
import { finalizeEvent, verifyEvent } from './signatures.js';

export const GIFT_WRAP_KIND = 1059;
export const SEAL_KIND = 13;
export const RUMOR_KIND = 14;
/** Marks a rumor as carrying an SKComm envelope, so chat DMs to the same key are told apart. */
export const SKCOMM_TAG = ['skcomm', 'envelope/1'] as const;

const TWO_DAYS_SECONDS = 2 * 24 * 60 * 60;
/** NIP-44 v2 plaintext limit: the seal JSON (holding the encrypted rumor) must fit in it. */
const NIP44_MAX_PLAINTEXT = 65_535;
/** NIP-44 v2 payloads for 64 KiB plaintext are about 87 KB of base64; refuse anything larger unread. */
const MAX_WRAP_CONTENT_CHARS = 90_000;

/**
 * The largest envelope one gift wrap carries. The rumor (about 260 bytes + base64 of the
 * envelope) pads to 40,960 bytes, whose NIP-44 payload (~54.7 KB) keeps the seal JSON
 * under NIP-44's 65,535-byte limit; the next padding step (49,152) would not fit.
 */
export const MAX_CARRIED_ENVELOPE_BYTES = 30_000;

export interface UnwrappedEnvelope {
  bytes: Uint8Array;
  /** The sender's Nostr public key (hex), as the seal proved it. */
  senderPublicKey: string;
  /** The rumor's created_at: the sender's clock at send time. */
  sentAt: number;
}

/** NIP-44 conversation keys cost an ECDH each (about 2 ms); keep the last few per peer. */
export class ConversationKeys {
  private readonly keys = new Map<string, Uint8Array>();

  constructor(
    private readonly secretKey: Uint8Array,
    private readonly capacity = 256,
  ) {}

  for(publicKey: string): Uint8Array {
    let key = this.keys.get(publicKey);
    if (key === undefined) {
      key = getConversationKey(this.secretKey, publicKey);
      if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(publicKey, key);
    }
    return key;
  }
}

const randomPast = (now: number): number => now - Math.floor(Math.random() * TWO_DAYS_SECONDS);

/** Wraps envelope bytes for `recipientPublicKey`. Throws if the key is not a valid secp256k1 point. */
export function wrapEnvelope(
  bytes: Uint8Array,
  sender: { secretKey: Uint8Array; publicKey: string; conversationKeys: ConversationKeys },
  recipientPublicKey: string,
  now = Math.floor(Date.now() / 1000),
): NostrEvent {
  const rumor = {
    kind: RUMOR_KIND,
    created_at: now,
    content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    tags: [['p', recipientPublicKey], [...SKCOMM_TAG]],
    pubkey: sender.publicKey,
  };
  const seal = finalizeEvent(
    {
      kind: SEAL_KIND,
      created_at: randomPast(now),
      content: nip44Encrypt(JSON.stringify({ ...rumor, id: getEventHash(rumor) }), sender.conversationKeys.for(recipientPublicKey)),
      tags: [],
    },
    sender.secretKey,
  );
  const oneTimeKey = generateSecretKey();
  return finalizeEvent(
    {
      kind: GIFT_WRAP_KIND,
      created_at: randomPast(now),
      content: nip44Encrypt(JSON.stringify(seal), getConversationKey(oneTimeKey, recipientPublicKey)),
      tags: [['p', recipientPublicKey]],
    },
    oneTimeKey,
  );
}

export interface UnwrapContext {
  secretKey: Uint8Array;
  publicKey: string;
  conversationKeys: ConversationKeys;
  maxEnvelopeBytes: number;
  /** Accepted range of the gift wrap's created_at (unix seconds), when the caller keeps one. */
  window?: { since: number; until: number };
}

/**
 * Opens a gift wrap addressed to us and returns the envelope bytes, or throws a
 * NostrEventRejectedError saying which rule the event broke. Never throws anything else.
 * The wrap's signature is checked first; any later rejection is marked `authentic`.
 */
export function unwrapEnvelope(input: unknown, context: UnwrapContext): UnwrappedEnvelope {
  const wrap = signedEvent(input, 'gift wrap', GIFT_WRAP_KIND);
  try {
    return openSignedWrap(wrap, context);
  } catch (error) {
    throw error instanceof NostrEventRejectedError ? error.ofAuthenticEvent() : error;
  }
}

function openSignedWrap(wrap: NostrEvent, context: UnwrapContext): UnwrappedEnvelope {
  if (context.window !== undefined && wrap.created_at < context.window.since) {
    throw new NostrEventRejectedError('stale', `gift wrap created_at ${wrap.created_at} is before the window (${context.window.since})`);
  }
  if (context.window !== undefined && wrap.created_at > context.window.until) {
    throw new NostrEventRejectedError('from-future', `gift wrap created_at ${wrap.created_at} is in the future`);
  }
  if (!wrap.tags.some((tag) => tag[0] === 'p' && tag[1] === context.publicKey)) {
    throw new NostrEventRejectedError('not-for-us', 'gift wrap is not addressed to this key');
  }
  if (wrap.content.length > MAX_WRAP_CONTENT_CHARS) {
    throw new NostrEventRejectedError('too-large', `gift wrap content is ${wrap.content.length} characters`);
  }
  // The wrap's author is a one-time key: no cache.
  const seal = signedEvent(decryptJson(wrap.content, () => getConversationKey(context.secretKey, wrap.pubkey), 'gift wrap'), 'seal', SEAL_KIND);
  const rumor = decryptJson(seal.content, () => context.conversationKeys.for(seal.pubkey), 'seal');
  if (!isRecord(rumor) || rumor.kind !== RUMOR_KIND) {
    throw new NostrEventRejectedError('wrong-kind', `rumor kind is ${String(isRecord(rumor) ? rumor.kind : typeof rumor)}, expected ${RUMOR_KIND}`);
  }
  if (rumor.pubkey !== seal.pubkey) {
    throw new NostrEventRejectedError('pubkey-mismatch', 'the seal was signed by a different key than the rumor names as its author');
  }
  const tags = rumor.tags;
  if (
    typeof rumor.content !== 'string' ||
    typeof rumor.created_at !== 'number' ||
    !Array.isArray(tags) ||
    !tags.every((tag) => Array.isArray(tag) && tag.every((item) => typeof item === 'string'))
  ) {
    throw new NostrEventRejectedError('malformed', 'rumor has no string content, numeric created_at or string tags');
  }
  const stringTags = tags as string[][];
  if (!stringTags.some((tag) => tag[0] === SKCOMM_TAG[0] && tag[1] === SKCOMM_TAG[1])) {
    throw new NostrEventRejectedError('not-skcomm', 'rumor carries no SKComm envelope (a chat message to this key?)');
  }
  if (!stringTags.some((tag) => tag[0] === 'p' && tag[1] === context.publicKey)) {
    throw new NostrEventRejectedError('not-for-us', 'rumor is addressed to another key than its gift wrap');
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(rumor.content) || rumor.content.length % 4 !== 0) {
    throw new NostrEventRejectedError('malformed', 'rumor content is not base64');
  }
  const bytes = new Uint8Array(Buffer.from(rumor.content, 'base64'));
  if (bytes.length === 0) throw new NostrEventRejectedError('malformed', 'rumor carries an empty envelope');
  if (bytes.length > context.maxEnvelopeBytes) {
    throw new NostrEventRejectedError('too-large', `envelope is ${bytes.length} bytes; this transport accepts at most ${context.maxEnvelopeBytes}`);
  }
  return { bytes, senderPublicKey: seal.pubkey, sentAt: rumor.created_at };
}

/** A structurally valid, correctly signed event of `kind`. */
export function signedEvent(input: unknown, layer: string, kind: number): NostrEvent {
  if (!isEventShaped(input)) throw new NostrEventRejectedError('malformed', `${layer} is not a Nostr event`);
  if (input.kind !== kind) throw new NostrEventRejectedError('wrong-kind', `${layer} has kind ${input.kind}, expected ${kind}`);
  // A fresh object with only the signed fields: nostr-tools caches a verdict on the event
  // object itself (a symbol property), which must never vouch for a changed copy.
  const event: NostrEvent = {
    id: input.id,
    pubkey: input.pubkey,
    sig: input.sig,
    kind: input.kind,
    created_at: input.created_at,
    content: input.content,
    tags: input.tags,
  };
  let valid = false;
  try {
    valid = verifyEvent(event);
  } catch {
    valid = false;
  }
  if (!valid) throw new NostrEventRejectedError('bad-signature', `${layer} has an invalid id or signature`);
  return event;
}

const HEX64 = /^[0-9a-f]{64}$/;

function isEventShaped(value: unknown): value is NostrEvent {
  if (!isRecord(value)) return false;
  return (
    typeof value.id === 'string' &&
    HEX64.test(value.id) &&
    typeof value.pubkey === 'string' &&
    HEX64.test(value.pubkey) &&
    typeof value.sig === 'string' &&
    /^[0-9a-f]{128}$/.test(value.sig) &&
    Number.isSafeInteger(value.kind) &&
    Number.isSafeInteger(value.created_at) &&
    typeof value.content === 'string' &&
    Array.isArray(value.tags) &&
    value.tags.every((tag) => Array.isArray(tag) && tag.every((item) => typeof item === 'string'))
  );
}

function decryptJson(payload: string, conversationKey: () => Uint8Array, layer: string): unknown {
  let plaintext: string;
  try {
    plaintext = nip44Decrypt(payload, conversationKey());
  } catch (cause) {
    throw new NostrEventRejectedError('decrypt-failed', `cannot decrypt the ${layer} (not for this key, or corrupted)`, { cause });
  }
  if (plaintext.length > NIP44_MAX_PLAINTEXT) throw new NostrEventRejectedError('too-large', `${layer} plaintext is too large`);
  try {
    return JSON.parse(plaintext);
  } catch (cause) {
    throw new NostrEventRejectedError('malformed', `the ${layer} does not hold JSON`, { cause });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
