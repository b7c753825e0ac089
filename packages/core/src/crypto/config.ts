/**
 * The one openpgp.js configuration SKComm uses, set explicitly rather than inherited
 * from the library's defaults (some of which are unsafe: an unbounded decompressed size).
 * GnuPG 2.2 interop fixes the key and message formats: v4 keys, SEIPDv1, no AEAD.
 */
import * as openpgp from 'openpgp';
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../envelope/schema.js';

/** A decrypted signed document can never be larger than the envelope that carried it. */
export const MAX_DECOMPRESSED_BYTES = DEFAULT_MAX_ENVELOPE_BYTES;

export const openpgpConfig: openpgp.PartialConfig = {
  aeadProtect: false,
  v6Keys: false,
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  preferredHashAlgorithm: openpgp.enums.hash.sha512,
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  allowUnauthenticatedMessages: false,
  allowUnauthenticatedStream: false,
  enforceGrammar: true,
  ignoreUnsupportedPackets: false,
  ignoreMalformedPackets: false,
  maxDecompressedMessageSize: MAX_DECOMPRESSED_BYTES,
  maxUserIDLength: 1024,
  minRSABits: 2047,
  allowInsecureDecryptionWithSigningKeys: false,
  allowInsecureVerificationWithReformattedKeys: false,
  showVersion: false,
  showComment: false,
};

/** The same settings as a complete Config, for the key methods that require one. */
export const fullOpenpgpConfig: openpgp.Config = { ...openpgp.config, ...openpgpConfig } as openpgp.Config;
