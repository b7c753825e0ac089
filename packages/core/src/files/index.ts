/**
 * @skcomm/core/files: large files beside an envelope (docs/file-transfer.md). A signed and
 * encrypted envelope carries a manifest (name, size, sha256, an AES-256-GCM key); the
 * file travels as an attachment of GCM-sealed chunks that transports move without a key.
 */
export {
  DEFAULT_FILE_CHUNK_BYTES,
  describeFile,
  FILE_CONTENT_TYPE,
  FILE_DOCUMENT_CTX,
  FILE_KEY_BYTES,
  FILE_TAG_BYTES,
  type FileDescription,
  type FileManifest,
  fileManifestSchema,
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MAX_FILE_MANIFEST_BYTES,
  parseFileManifest,
  serializeFileManifest,
  TRANSFER_ID_PATTERN,
} from './manifest.js';
export { encryptedFileSize, fileChunkCount, openFileChunk, sealFileChunk } from './chunk-cipher.js';
export { FileChangedError, FileIntegrityError, type FileIntegrityErrorOptions, FileManifestError } from './errors.js';
export { MAX_FILE_NAME_BYTES, numberedFileName, safeFileName } from './file-name.js';
export { type OutgoingFile, prepareOutgoingFile, type PrepareOutgoingFileOptions } from './outgoing.js';
export { decryptAttachment, type DecryptAttachmentOptions, type DecryptedFile, PARTIAL_DIRECTORY } from './decrypt.js';
export { type OutgoingTransferQuery, type OutgoingTransferRecord, OutgoingTransferStore } from './transfer-store.js';
