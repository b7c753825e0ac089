/**
 * CapAuth bearer tokens for relays and signaling brokers (DESIGN §3):
 * `<FINGERPRINT>.<UNIX_TS>.<BASE64URL_SIG>`, the signature a detached OpenPGP signature
 * (binary, base64url) over `capauth:<FINGERPRINT>:<UNIX_TS>`. The verifier is given the
 * client's armored public key, checks that its fingerprint is the token's, that the time
 * is within the window and that the signature verifies with that key and no other.
 */
import * as openpgp from 'openpgp';
import { ErrorCode, RejectionError } from '../errors.js';
import { FINGERPRINT_PATTERN } from '../envelope/schema.js';
import { openpgpConfig } from './config.js';
import { messageOf, readPublicKey, type SigningIdentityHandle } from './keys.js';

/** How far a token's time may be from the verifier's clock, either way. */
export const CAPAUTH_WINDOW_SECONDS = 300;
/** A token longer than this is refused before any parsing (an EdDSA signature packet is ~120 bytes). */
export const MAX_CAPAUTH_TOKEN_LENGTH = 2048;

const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

export interface CapauthToken {
  fingerprint: string;
  unixSeconds: number;
  signature: Uint8Array;
}

export function capauthChallenge(fingerprint: string, unixSeconds: number): string {
  return `capauth:${fingerprint}:${unixSeconds}`;
}

/** Signs a token for `identity` at `unixSeconds`. */
export async function createCapauthToken(identity: SigningIdentityHandle, unixSeconds: number): Promise<string> {
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: new TextEncoder().encode(capauthChallenge(identity.fingerprint, unixSeconds)) }),
    signingKeys: identity.privateKey,
    detached: true,
    format: 'binary',
    config: openpgpConfig,
  });
  return `${identity.fingerprint}.${unixSeconds}.${Buffer.from(signature).toString('base64url')}`;
}

/** Splits a token into its parts without checking the signature; throws on any malformed part. */
export function parseCapauthToken(token: string): CapauthToken {
  const invalid = (why: string) => new RejectionError(ErrorCode.SignatureInvalid, `auth token ${why}`, { field: 'token' });
  if (token.length > MAX_CAPAUTH_TOKEN_LENGTH) throw invalid(`is longer than ${MAX_CAPAUTH_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('is not <FINGERPRINT>.<UNIX_TS>.<BASE64URL_SIG>');
  const [fingerprint = '', timestamp = '', signature = ''] = parts;
  if (!FINGERPRINT_PATTERN.test(fingerprint)) throw invalid('does not start with a full uppercase fingerprint');
  if (!TIMESTAMP_PATTERN.test(timestamp)) throw invalid('time is not a unix timestamp in seconds');
  if (signature !== '' && !BASE64URL_PATTERN.test(signature)) throw invalid('signature is not base64url');
  return { fingerprint, unixSeconds: Number(timestamp), signature: Buffer.from(signature, 'base64url') };
}

export interface VerifyCapauthOptions {
  /** The verifier's clock in unix seconds; default now. */
  nowSeconds?: number;
  windowSeconds?: number;
}

/**
 * Verifies `token` against the client's armored public key. Returns the proven
 * fingerprint; throws a RejectionError (E_SIGNATURE_INVALID, E_KEY_INVALID, E_EXPIRED,
 * E_FROM_FUTURE) saying what failed.
 */
export async function verifyCapauthToken(token: string, armoredPublicKey: string, options: VerifyCapauthOptions = {}): Promise<string> {
  const parsed = parseCapauthToken(token);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = options.windowSeconds ?? CAPAUTH_WINDOW_SECONDS;
  if (parsed.unixSeconds < now - window) {
    throw new RejectionError(ErrorCode.Expired, `auth token is ${now - parsed.unixSeconds} s old; at most ${window} s allowed`, { field: 'token' });
  }
  if (parsed.unixSeconds > now + window) {
    throw new RejectionError(ErrorCode.FromFuture, `auth token is ${parsed.unixSeconds - now} s in the future; at most ${window} s allowed`, { field: 'token' });
  }
  if (parsed.signature.length === 0) throw new RejectionError(ErrorCode.SignatureInvalid, 'auth token carries no signature', { field: 'token' });
  let key;
  try {
    key = await readPublicKey(armoredPublicKey);
  } catch (cause) {
    throw new RejectionError(ErrorCode.KeyInvalid, `the presented public key is not usable: ${messageOf(cause)}`, { cause, field: 'key' });
  }
  if (key.fingerprint !== parsed.fingerprint) {
    throw new RejectionError(ErrorCode.KeyInvalid, `the presented key is ${key.fingerprint}, not the token's ${parsed.fingerprint}`, { field: 'key' });
  }
  try {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: new TextEncoder().encode(capauthChallenge(parsed.fingerprint, parsed.unixSeconds)) }),
      signature: await openpgp.readSignature({ binarySignature: parsed.signature, config: openpgpConfig }),
      verificationKeys: key.key,
      expectSigned: true,
      format: 'binary',
      date: new Date(),
      config: openpgpConfig,
    });
    if (result.signatures.length !== 1) throw new Error(`expected one signature, found ${result.signatures.length}`);
    await Promise.all(result.signatures.map((entry) => entry.verified));
  } catch (cause) {
    throw new RejectionError(ErrorCode.SignatureInvalid, `auth token signature does not verify with the key of ${parsed.fingerprint}: ${messageOf(cause)}`, {
      cause,
      field: 'token',
    });
  }
  return parsed.fingerprint;
}
