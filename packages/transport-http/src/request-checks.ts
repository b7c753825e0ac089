/**
 * The header checks a webhook POST passes before any of its body is read (threat model
 * (d) 10): the body must be JSON, must not be compressed (a small gzip body can expand to
 * gigabytes, and an envelope is already compact ciphertext), and must fit the limit.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface Refusal {
  status: number;
  reason: string;
}

export function checkDeliveryHeaders(headers: IncomingHttpHeaders, maxEnvelopeBytes: number): Refusal | undefined {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return { status: 415, reason: `Content-Encoding "${printable(encoding)}" is refused: send the envelope uncompressed` };
  }
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== 'chunked') {
    return { status: 415, reason: `Transfer-Encoding "${printable(transferEncoding)}" is refused: only chunked is accepted` };
  }
  if (!isJsonMediaType(headers['content-type'])) {
    return { status: 415, reason: 'Content-Type must be application/json' };
  }
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > maxEnvelopeBytes) {
    return { status: 413, reason: `the envelope is over the limit of ${maxEnvelopeBytes} bytes` };
  }
  return undefined;
}

/** `application/json`, optionally with `charset=utf-8` (any case); anything else is not an envelope. */
export function isJsonMediaType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => parameter === '' || /^charset\s*=\s*"?utf-8"?$/.test(parameter));
}

/** A header value safe to echo in an answer or a log line. */
export function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}
