/**
 * @skcomm/core/crypto: the only module that imports openpgp.
 */
export { MAX_DECOMPRESSED_BYTES, openpgpConfig } from './config.js';
export {
  fingerprintOf,
  type GeneratedIdentity,
  generateIdentity,
  type IdentityHandle,
  type KeyPurpose,
  MAX_KEY_BYTES,
  MAX_USER_IDS,
  type PublicKeyHandle,
  readPublicKey,
  type SigningIdentityHandle,
  unlockIdentity,
} from './keys.js';
export { type OpenedEnvelope, type OpenOptions, openEnvelope } from './open.js';
export { buildSignedDocument, type EnvelopeDraft, type SealOptions, type SecurityMode, sealEnvelope } from './seal.js';
export { signDetached, verifyDetached } from './signatures.js';
export {
  CAPAUTH_WINDOW_SECONDS,
  type CapauthToken,
  capauthChallenge,
  createCapauthToken,
  MAX_CAPAUTH_TOKEN_LENGTH,
  parseCapauthToken,
  type VerifyCapauthOptions,
  verifyCapauthToken,
} from './capauth.js';
export {
  ACK_CONTENT_TYPE,
  ACK_CONTEXT,
  ACK_PAYLOAD_TYPE,
  type AckDocument,
  buildAckBody,
  parseAckBody,
  signedDocumentSha256,
} from './ack.js';
