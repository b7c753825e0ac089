/**
 * Decides a WebSocket upgrade (DESIGN §3): 401 without a valid CapAuth token for the
 * presented key, 403 when the proven fingerprint is not on the allow list. A token is
 * good for one connection: a captured token cannot be replayed while it is fresh
 * (threat model T14; the relay keeps the tokens it saw until they leave the window).
 */
import type { IncomingMessage } from 'node:http';
import { CAPAUTH_WINDOW_SECONDS, parseCapauthToken, verifyCapauthToken } from '@skcomm/core/crypto';
import { AUTHORIZATION_HEADER, PUBLIC_KEY_HEADER } from '@skcomm/relay-protocol';

export type AuthDecision = { ok: true; fingerprint: string } | { ok: false; status: 401 | 403 | 503; reason: string };

export interface AuthenticatorOptions {
  devAuth: boolean;
  allow: Set<string> | undefined;
  /** Signature checks running at once; beyond it handshakes get 503 (cheap refusal under a flood). */
  maxConcurrentVerifications: number;
  nowSeconds?: () => number;
}

const MAX_KEY_HEADER_LENGTH = 96 * 1024;

export class Authenticator {
  private readonly seenTokens = new Map<string, number>();
  private verifying = 0;

  constructor(private readonly options: AuthenticatorOptions) {}

  async authenticate(request: IncomingMessage): Promise<AuthDecision> {
    const header = request.headers[AUTHORIZATION_HEADER];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!token) return { ok: false, status: 401, reason: 'missing bearer token' };
    let fingerprint: string;
    try {
      fingerprint = this.options.devAuth ? parseCapauthToken(token).fingerprint : await this.verify(token, request);
    } catch (error) {
      return { ok: false, status: error instanceof Overloaded ? 503 : 401, reason: error instanceof Error ? error.message : String(error) };
    }
    if (this.options.allow && !this.options.allow.has(fingerprint)) return { ok: false, status: 403, reason: `${fingerprint} is not allowed on this relay` };
    return { ok: true, fingerprint };
  }

  private async verify(token: string, request: IncomingMessage): Promise<string> {
    const keyHeader = request.headers[PUBLIC_KEY_HEADER];
    if (typeof keyHeader !== 'string' || keyHeader === '') throw new Error(`missing ${PUBLIC_KEY_HEADER} header`);
    if (keyHeader.length > MAX_KEY_HEADER_LENGTH) throw new Error(`${PUBLIC_KEY_HEADER} header is too large`);
    const now = this.options.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
    this.forgetOld(now);
    if (this.seenTokens.has(token)) throw new Error('token was already used; sign a fresh one');
    if (this.verifying >= this.options.maxConcurrentVerifications) throw new Overloaded('too many handshakes at once; retry shortly');
    // Reserved before the (asynchronous) check, so two concurrent uses cannot both pass.
    this.seenTokens.set(token, parseCapauthToken(token).unixSeconds);
    this.verifying++;
    try {
      return await verifyCapauthToken(token, Buffer.from(keyHeader, 'base64url').toString('utf8'), { nowSeconds: now });
    } catch (error) {
      this.seenTokens.delete(token);
      throw error;
    } finally {
      this.verifying--;
    }
  }

  private forgetOld(now: number): void {
    for (const [token, unixSeconds] of this.seenTokens) if (unixSeconds < now - CAPAUTH_WINDOW_SECONDS) this.seenTokens.delete(token);
  }
}

class Overloaded extends Error {}
