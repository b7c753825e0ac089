/**
 * The `mailboxTokens` file: one `FINGERPRINT TOKEN` per line (`#` comments and blank
 * lines allowed). It says who may keep a mailbox on this server and the bearer token that
 * opens it. Tokens are kept only as SHA-256 digests and compared in constant time; they
 * are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FINGERPRINT_PATTERN } from '@skcomm/core';

export class MailboxTokens {
  private constructor(private readonly digests: Map<string, Buffer>) {}

  static async load(path: string): Promise<MailboxTokens> {
    return MailboxTokens.parse(await readFile(path, 'utf8'), path);
  }

  static parse(text: string, origin = 'mailboxTokens'): MailboxTokens {
    const digests = new Map<string, Buffer>();
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const [fingerprint, token, ...rest] = line.split(/\s+/);
      if (fingerprint === undefined || !FINGERPRINT_PATTERN.test(fingerprint) || token === undefined || token.length < 16 || rest.length > 0) {
        throw new Error(`${origin} line ${index + 1}: expected "FINGERPRINT TOKEN" (full uppercase fingerprint, token of 16 or more characters)`);
      }
      digests.set(fingerprint, digest(token));
    });
    return new MailboxTokens(digests);
  }

  get fingerprints(): string[] {
    return [...this.digests.keys()];
  }

  has(fingerprint: string): boolean {
    return this.digests.has(fingerprint);
  }

  /** True when `authorization` is `Bearer <the token of fingerprint>`. */
  opens(fingerprint: string, authorization: string | undefined): boolean {
    const expected = this.digests.get(fingerprint);
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (expected === undefined || !match?.[1]) return false;
    return timingSafeEqual(expected, digest(match[1]));
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
