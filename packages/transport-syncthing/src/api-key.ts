import { readFile } from 'node:fs/promises';
import { ErrorCode, describeError } from '@skcomm/core';
import { SyncthingTransportError } from './errors.js';

/**
 * Where the API key comes from. A key file is read on first use and then kept, so the
 * transport can be configured before Syncthing generated its key. The key itself never
 * appears in a message or log line; only the file's path does.
 */
export class ApiKeySource {
  private cached: string | undefined;

  constructor(
    private readonly transport: string,
    private readonly given: { key?: string | undefined; file?: string | undefined },
  ) {
    this.cached = given.key;
  }

  async key(): Promise<string> {
    if (this.cached !== undefined) return this.cached;
    const file = this.given.file ?? '';
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new SyncthingTransportError(`cannot read the Syncthing API key file ${file}: ${describeError(error)}`, { transport: this.transport, retryable: true, cause: error }, ErrorCode.TransportUnavailable);
    }
    const key = text.trim();
    if (key === '' || /\s/.test(key)) {
      throw new SyncthingTransportError(`the Syncthing API key file ${file} does not hold one key`, { transport: this.transport, retryable: false }, ErrorCode.ConfigInvalid);
    }
    this.cached = key;
    return key;
  }

  /** After the API rejected the key: a key file is read again next time (it may have been rotated). */
  forget(): void {
    if (this.given.file !== undefined) this.cached = undefined;
  }
}
