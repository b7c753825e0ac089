/**
 * File names chosen by a remote sender, made safe to create in a local directory
 * (threat model T20): a single path component, no control or bidirectional-override
 * characters, nothing hidden, nothing Windows reserves, at most 255 UTF-8 bytes.
 */

export const MAX_FILE_NAME_BYTES = 255;
/** An extension longer than this is not worth keeping when a name must be cut. */
const MAX_EXTENSION_BYTES = 32;
const FALLBACK_NAME = 'file';

// C0, DEL, C1, line/paragraph separators, bidirectional embeddings, overrides and isolates.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Characters Windows refuses in names; '/' and '\' are separators and never get this far.
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
// Device names Windows resolves whatever the extension: "CON.txt" is the console.
const WINDOWS_RESERVED = /^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])\s*(?:\.|$)/i;

export function safeFileName(name: string): string {
  // Invisible characters go before NFC, so that what they separated composes now, not on a second pass.
  const visible = name.replace(LONE_SURROGATE, '\ufffd').replace(INVISIBLE, '').normalize('NFC');
  const lastComponent = visible.split(/[/\\]/).filter((part) => part !== '').at(-1) ?? '';
  const cleaned = lastComponent
    .replace(WINDOWS_FORBIDDEN, '_')
    // Leading dots hide a file (and make "." and ".."); trailing dots and spaces vanish on Windows.
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '');
  const fitted = fitName(cleaned === '' ? FALLBACK_NAME : cleaned, '');
  return WINDOWS_RESERVED.test(fitted) ? fitName(`_${fitted}`, '') : fitted;
}

/** `name (n).ext` for the n-th alternative to a taken name, still within 255 bytes. */
export function numberedFileName(safeName: string, number: number): string {
  return fitName(safeName, ` (${number})`);
}

/** Cuts the stem so that stem + suffix + extension fits in MAX_FILE_NAME_BYTES. */
function fitName(name: string, suffix: string): string {
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot) : '';
  const keepExtension = extension !== '' && byteLength(extension) <= MAX_EXTENSION_BYTES;
  const stem = keepExtension ? name.slice(0, dot) : name;
  const tail = suffix + (keepExtension ? extension : '');
  const budget = MAX_FILE_NAME_BYTES - byteLength(tail);
  if (byteLength(stem) <= budget) return stem + tail;
  // A cut stem may end in a dot or space, which the cleaning step would strip on a second pass.
  return truncateUtf8(stem, budget).replace(/[\s.]+$/, '') + tail;
}

/** The longest prefix of whole code points within `maxBytes`. */
function truncateUtf8(text: string, maxBytes: number): string {
  let result = '';
  let bytes = 0;
  for (const codePoint of text) {
    const size = byteLength(codePoint);
    if (bytes + size > maxBytes) break;
    result += codePoint;
    bytes += size;
  }
  return result;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
