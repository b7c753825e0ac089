/**
 * The mailbox API's wire format, shared by the server (listMailbox) and the poll client
 * (parseMailboxPage):
 *
 *   { "envelopes": [ { "id": "<entry id>", "bytes": "<base64 of the envelope bytes>" }, ... ] }
 *
 * Base64 keeps the envelope byte-exact whatever it contains.
 */
import { SPOOL_NAME_PATTERN, type Spool } from './spool.js';

export const MAX_MAILBOX_PAGE = 32;
/** A page stops growing past this many envelope bytes (it always holds at least one envelope). */
const PAGE_BYTE_BUDGET = 4 * 1024 * 1024;

export interface MailboxEntry {
  id: string;
  bytes: string;
}

export async function listMailbox(spool: Spool, limit: number): Promise<MailboxEntry[]> {
  const entries: MailboxEntry[] = [];
  let total = 0;
  for (const id of spool.list(limit)) {
    const bytes = await spool.read(id);
    if (bytes === undefined) continue;
    if (entries.length > 0 && total + bytes.byteLength > PAGE_BYTE_BUDGET) break;
    total += bytes.byteLength;
    entries.push({ id, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') });
  }
  return entries;
}

/** Largest answer a poll client accepts: a full page budget plus one maximal envelope, in base64, plus JSON. */
export function maxPageAnswerBytes(maxEnvelopeBytes: number): number {
  return Math.ceil(((PAGE_BYTE_BUDGET + maxEnvelopeBytes) * 4) / 3) + MAX_MAILBOX_PAGE * 128 + 1024;
}

export type PageReading = { entries: Array<{ id: string; bytes: Uint8Array }>; skipped: string[] } | { problem: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Checks a page a mailbox sent: well-formed ids, real base64, envelopes within the limit. Bad entries are skipped with a reason. */
export function parseMailboxPage(text: string, maxEnvelopeBytes: number): PageReading {
  let page: unknown;
  try {
    page = JSON.parse(text);
  } catch {
    return { problem: 'the mailbox answer is not JSON' };
  }
  const list = (page as { envelopes?: unknown } | null)?.envelopes;
  if (!Array.isArray(list)) return { problem: 'the mailbox answer has no envelopes list' };
  const entries: Array<{ id: string; bytes: Uint8Array }> = [];
  const skipped: string[] = [];
  for (const item of list) {
    const { id, bytes } = (item ?? {}) as { id?: unknown; bytes?: unknown };
    if (typeof id !== 'string' || !SPOOL_NAME_PATTERN.test(id)) {
      skipped.push('an entry without a valid id');
    } else if (typeof bytes !== 'string' || bytes.length % 4 !== 0 || !BASE64.test(bytes)) {
      skipped.push(`${id}: bytes are not base64`);
    } else {
      const decoded = new Uint8Array(Buffer.from(bytes, 'base64'));
      if (decoded.byteLength === 0 || decoded.byteLength > maxEnvelopeBytes) skipped.push(`${id}: ${decoded.byteLength} bytes, outside 1..${maxEnvelopeBytes}`);
      else entries.push({ id, bytes: decoded });
    }
  }
  return { entries, skipped };
}
