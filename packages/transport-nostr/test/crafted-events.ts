/** Hand-built Nostr events for the tests that break one NIP-17/NIP-59 rule at a time. */
import { getConversationKey, encrypt as nip44Encrypt } from 'nostr-tools/nip44';
import { finalizeEvent, generateSecretKey, getEventHash, getPublicKey, type NostrEvent } from 'nostr-tools/pure';
import { ConversationKeys, GIFT_WRAP_KIND, RUMOR_KIND, SEAL_KIND, SKCOMM_TAG } from '../src/index.js';

export interface Party {
  secretKey: Uint8Array;
  publicKey: string;
  conversationKeys: ConversationKeys;
}

export function party(secretKey: Uint8Array = generateSecretKey()): Party {
  return { secretKey, publicKey: getPublicKey(secretKey), conversationKeys: new ConversationKeys(secretKey) };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface HandWrapOptions {
  sender: Party;
  recipient: string;
  bytes?: Uint8Array;
  /** Overrides of rumor fields (kind, pubkey, tags, content...). */
  rumor?: Record<string, unknown>;
  sealKind?: number;
  /** Who signs the seal, if not the sender. */
  sealSigner?: Party;
  wrapKind?: number;
  /** The wrap's `p` tag, if not the recipient. */
  wrapRecipientTag?: string;
  /** Whose key the wrap is encrypted to, if not the recipient's. */
  encryptWrapTo?: string;
  wrapCreatedAt?: number;
}

/** The three layers built by hand, each exactly as wrapEnvelope() would unless told otherwise. */
export function handWrap(options: HandWrapOptions): NostrEvent {
  const rumorFields = {
    kind: RUMOR_KIND,
    created_at: nowSeconds(),
    content: Buffer.from(options.bytes ?? new TextEncoder().encode('{"envelope_id":"crafted"}')).toString('base64'),
    tags: [['p', options.recipient], [...SKCOMM_TAG]],
    pubkey: options.sender.publicKey,
    ...options.rumor,
  } as Parameters<typeof getEventHash>[0];
  const rumor = { ...rumorFields, id: getEventHash(rumorFields) };
  const sealSigner = options.sealSigner ?? options.sender;
  const seal = finalizeEvent(
    {
      kind: options.sealKind ?? SEAL_KIND,
      created_at: nowSeconds(),
      tags: [],
      content: nip44Encrypt(JSON.stringify(rumor), getConversationKey(sealSigner.secretKey, options.recipient)),
    },
    sealSigner.secretKey,
  );
  const oneTime = generateSecretKey();
  return finalizeEvent(
    {
      kind: options.wrapKind ?? GIFT_WRAP_KIND,
      created_at: options.wrapCreatedAt ?? nowSeconds(),
      tags: [['p', options.wrapRecipientTag ?? options.recipient]],
      content: nip44Encrypt(JSON.stringify(seal), getConversationKey(oneTime, options.encryptWrapTo ?? options.recipient)),
    },
    oneTime,
  );
}

/** A plain event (kind 1 by default), validly signed, `p`-tagging `recipient`. */
export function signedNote(author: Party, recipient: string, kind = 1): NostrEvent {
  return finalizeEvent({ kind, created_at: nowSeconds(), tags: [['p', recipient]], content: 'hello' }, author.secretKey);
}
