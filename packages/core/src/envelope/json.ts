/**
 * Strict JSON reading for untrusted bytes: fatal UTF-8, bounded nesting, and no
 * prototype-pollution keys. Everything that fails becomes an EnvelopeError.
 */
import { EnvelopeError, ErrorCode } from '../errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} is not valid UTF-8`, { cause, field: '(bytes)' });
  }
}

/** Rejects nesting deeper than `MAX_JSON_DEPTH` before JSON.parse can recurse into it. */
function checkDepth(text: string, what: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} nests deeper than ${MAX_JSON_DEPTH} levels`, {
          field: '(json)',
        });
      }
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
}

export function parseStrictJson(text: string, what: string): unknown {
  checkDepth(text, what);
  try {
    return JSON.parse(text, function reviver(this: unknown, key: string, value: unknown) {
      if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKeyError(key);
      return value;
    });
  } catch (cause) {
    if (cause instanceof ForbiddenKeyError) {
      throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} contains the forbidden key "${cause.key}"`, {
        field: cause.key,
      });
    }
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} is not valid JSON`, { cause, field: '(json)' });
  }
}

class ForbiddenKeyError extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}
