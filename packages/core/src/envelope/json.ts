/**
 * Strict JSON reading for untrusted bytes (I-JSON, RFC 7493, which RFC 8785 requires):
 * fatal UTF-8, no byte-order mark, bounded nesting, no duplicate keys, no numbers that
 * overflow to Infinity, and no prototype-pollution keys. Everything that fails becomes
 * an EnvelopeError naming where.
 */
import { EnvelopeError, ErrorCode } from '../errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 32;

// ignoreBOM: true keeps a leading U+FEFF in the text, so parseStrictJson can refuse it
// (the default would strip it silently, and the same envelope as a string would fail).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} is not valid UTF-8`, { cause, field: '(bytes)' });
  }
}

export function parseStrictJson(text: string, what: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} starts with a byte-order mark`, { field: '(bytes)' });
  }
  checkStructure(text, what);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} is not valid JSON`, { cause, field: '(json)' });
  }
}

interface Frame {
  isObject: boolean;
  /** Dotted path of this container, '' for the root. */
  path: string;
  keys: Set<string>;
  /** Object: the next string is a key. */
  expectingKey: boolean;
  /** Object: the last key read. Array: the index of the current element. */
  member: string | number;
}

/**
 * One pass over the text, before JSON.parse builds anything: nesting depth, duplicate
 * and forbidden keys (compared decoded, so `"__proto\u005f_"` counts), and numbers
 * too large for a double. It only has to be right for valid JSON: on invalid JSON it
 * may stay silent, and JSON.parse then rejects the text.
 */
function checkStructure(text: string, what: string): void {
  const stack: Frame[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const top = stack.at(-1);
    if (code === 0x22) {
      const end = stringEnd(text, index);
      if (top?.isObject && top.expectingKey) checkKey(top, text.slice(index, end + 1), what);
      index = end;
    } else if (code === 0x7b || code === 0x5b) {
      if (stack.length >= MAX_JSON_DEPTH) {
        throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} nests deeper than ${MAX_JSON_DEPTH} levels`, { field: '(json)' });
      }
      const path = top === undefined ? '' : joinPath(top.path, top.member);
      stack.push({ isObject: code === 0x7b, path, keys: new Set(), expectingKey: code === 0x7b, member: 0 });
    } else if (code === 0x7d || code === 0x5d) {
      stack.pop();
    } else if (code === 0x2c && top !== undefined) {
      if (top.isObject) top.expectingKey = true;
      else top.member = (top.member as number) + 1;
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      const end = numberEnd(text, index);
      // NaN means a malformed token, which JSON.parse reports; only overflow is ours.
      if (Math.abs(Number(text.slice(index, end))) === Infinity) {
        const field = top === undefined ? '(root)' : joinPath(top.path, top.member);
        throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} field ${oneLine(field)}: number is too large`, { field });
      }
      index = end - 1;
    }
  }
}

function checkKey(frame: Frame, literal: string, what: string): void {
  let key: unknown;
  try {
    key = JSON.parse(literal);
  } catch {
    return; // a malformed string literal: JSON.parse rejects the whole text
  }
  if (typeof key !== 'string') return;
  const field = joinPath(frame.path, key);
  if (FORBIDDEN_KEYS.has(key)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} contains the forbidden key "${key}" at ${oneLine(field)}`, { field });
  }
  if (frame.keys.has(key)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, `${what} has the key ${oneLine(field)} twice`, { field });
  }
  frame.keys.add(key);
  frame.member = key;
  frame.expectingKey = false;
}

/** Index of the closing quote of the string starting at `start`, or the last index. */
function stringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x5c) index++;
    else if (code === 0x22) return index;
  }
  return text.length - 1;
}

/** Index just after the number token starting at `start`. */
function numberEnd(text: string, start: number): number {
  let index = start;
  while (index < text.length && /[-+.eE0-9]/.test(text[index] as string)) index++;
  return index;
}

function joinPath(path: string, member: string | number): string {
  return path === '' ? String(member) : `${path}.${member}`;
}

/**
 * Messages quote attacker-chosen keys and values and end up in logs and terminals:
 * escape line breaks, control and bidirectional-override characters.
 */
export function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (character) =>
    `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
