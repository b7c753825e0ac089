/** The typed errors of @skcomm/core/files. None is retryable as is: the input itself is wrong. */
import { ErrorCode, SkcommError, type SkcommErrorOptions } from '../errors.js';

/** A file manifest could not be read or written: `field` names the offending field. */
export class FileManifestError extends SkcommError {
  constructor(message: string, options: SkcommErrorOptions = {}) {
    super(ErrorCode.FileManifest, message, options);
  }
}

/** The file being sent changed (size, mtime or length read) since its manifest was made. */
export class FileChangedError extends SkcommError {
  constructor(message: string, options: SkcommErrorOptions = {}) {
    super(ErrorCode.FileChanged, message, options);
  }
}

export interface FileIntegrityErrorOptions extends SkcommErrorOptions {
  /** The chunk that failed, when one chunk is to blame. */
  chunk?: number;
}

/** Received ciphertext does not decrypt to what the signed manifest promises. */
export class FileIntegrityError extends SkcommError {
  readonly chunk: number | undefined;

  constructor(message: string, options: FileIntegrityErrorOptions = {}) {
    super(ErrorCode.FileIntegrity, message, options);
    this.chunk = options.chunk;
  }
}
