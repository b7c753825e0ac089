/**
 * Decides a WebSocket upgrade (DESIGN §3): 401 without a valid CapAuth token for the
 * presented key, 403 when the proven fingerprint is not on the allow list. A token is
 * good for one connection: a captured token cannot be replayed while it is fresh, also
 * after a restart (threat model T14). An accepted token is on disk (seen-tokens.ts)
 * before its connection proceeds; when it cannot be written the handshake gets 503.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@skcomm/core';
import { CAPAUTH_WINDOW_SECONDS, parseCapauthToken, verifyCapauthToken } from '@skcomm/core/crypto';
import { AUTHORIZATION_HEADER, PUBLIC_KEY_HEADER } from '@skcomm/relay-protocol';
import { digestToken, type SeenTokens } from './seen-tokens.js';

export type AuthDecision = { ok: true; fingerprint: string } | { ok: false; status: 401 | 403 | 503; reason: string };

export interface AuthenticatorOptions {
  devAuth: boolean;
  allow: Set<string> | undefined;
  /** Signature checks running at once; beyond it handshakes get 503 (cheap refusal under a flood). */
  maxConcurrentVerifications: number;
  /** The tokens already used, kept until they leave the window (unused with dev auth). */
  seenTokens: SeenTokens;
  logger: Logger;
  nowSeconds?: () => number;
}

const MAX_KEY_HEADER_LENGTH = 96 * 1024;

export class Authenticator {
  private verifying = 0;

  constructor(private readonly options: AuthenticatorOptions) {}

  async authenticate(request: IncomingMessage): Promise<AuthDecision> {
    const header = request.headers[AUTHORIZATION_HEADER];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!token) return { ok: false, status: 401, reason: 'missing bearer token' };
    const digest = this.options.devAuth ? undefined : digestToken(token);
    let fingerprint: string;
    try {
      fingerprint = digest === undefined ? parseCapauthToken(token).fingerprint : await this.verify(token, digest, request);
    } catch (error) {
      return { ok: false, status: error instanceof Overloaded ? 503 : 401, reason: error instanceof Error ? error.message : String(error) };
    }
    if (this.options.allow && !this.options.allow.has(fingerprint)) return { ok: false, status: 403, reason: `${fingerprint} is not allowed on this relay` };
    if (digest !== undefined) {
      try {
        // Durable before the connection proceeds: a crash right after must not allow one replay.
        await this.options.seenTokens.commit(digest);
      } catch (error) {
        this.options.seenTokens.release(digest);
        this.options.logger.error('cannot record an accepted token; refusing the handshake', { error: error instanceof Error ? error.message : String(error) });
        return { ok: false, status: 503, reason: 'the relay cannot record the token as used (storage failure); retry shortly' };
      }
    }
    return { ok: true, fingerprint };
  }

  private async verify(token: string, digest: string, request: IncomingMessage): Promise<string> {
    const keyHeader = request.headers[PUBLIC_KEY_HEADER];
    if (typeof keyHeader !== 'string' || keyHeader === '') throw new Error(`missing ${PUBLIC_KEY_HEADER} header`);
    if (keyHeader.length > MAX_KEY_HEADER_LENGTH) throw new Error(`${PUBLIC_KEY_HEADER} header is too large`);
    const now = this.options.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
    const seen = this.options.seenTokens;
    seen.prune(now);
    if (seen.has(digest)) throw new Error('token was already used; sign a fresh one');
    if (this.verifying >= this.options.maxConcurrentVerifications) throw new Overloaded('too many handshakes at once; retry shortly');
    // Claimed before the (asynchronous) check, so two concurrent uses cannot both pass. It
    // could be replayed until its time leaves the window: kept until then.
    seen.claim(digest, parseCapauthToken(token).unixSeconds + CAPAUTH_WINDOW_SECONDS);
    this.verifying++;
    try {
      return await verifyCapauthToken(token, Buffer.from(keyHeader, 'base64url').toString('utf8'), { nowSeconds: now });
    } catch (error) {
      seen.release(digest);
      throw error;
    } finally {
      this.verifying--;
    }
  }
}

class Overloaded extends Error {}
