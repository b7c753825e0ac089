/**
 * fast-check properties for everything that reads input from the network (threat model
 * (d)): never an exception, never a hang, only the answers the README promises.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseListenAddress } from '../src/address.js';
import { readEnvelopeRouting } from '../src/envelope-routing.js';
import { parseMailboxPage } from '../src/mailbox-page.js';
import { MailboxTokens } from '../src/mailbox-tokens.js';
import { checkDeliveryHeaders, isJsonMediaType } from '../src/request-checks.js';
import type { HttpTransport } from '../src/index.js';
import { envelopeFor, FINGERPRINT_B, rawRequest, sandbox, startedReceiver } from './support.js';

const RUNS = { numRuns: 1000 };

describe('parsers never throw', () => {
  it('readEnvelopeRouting: any bytes give a routing or a problem; a valid envelope always routes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const routing = readEnvelopeRouting(bytes);
        expect('problem' in routing || 'recipient' in routing).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        readEnvelopeRouting(new TextEncoder().encode(JSON.stringify(value)));
      }),
      RUNS,
    );
    const envelope = envelopeFor(FINGERPRINT_B);
    expect(readEnvelopeRouting(envelope.bytes)).toEqual({ envelopeId: envelope.envelopeId, recipient: FINGERPRINT_B });
  });

  it('readEnvelopeRouting: every truncation of a valid envelope is refused', () => {
    const { bytes } = envelopeFor(FINGERPRINT_B);
    for (let length = 0; length < bytes.length - 1; length++) expect(readEnvelopeRouting(bytes.subarray(0, length))).toHaveProperty('problem');
  });

  it('readEnvelopeRouting: 10,000-deep nesting and __proto__ keys are refused or routed, never crash', () => {
    const deep = new TextEncoder().encode('['.repeat(10_000) + ']'.repeat(10_000));
    expect(readEnvelopeRouting(deep)).toHaveProperty('problem');
    const proto = new TextEncoder().encode('{"__proto__":{"envelope_id":"3b241101-e2bb-4255-8caf-4136c566a962"},"to":{"fingerprint":"' + FINGERPRINT_B + '"}}');
    expect(readEnvelopeRouting(proto)).toHaveProperty('problem');
  });

  it('header checks: any header values give a verdict, never an exception', () => {
    const header = fc.option(fc.string({ maxLength: 80 }), { nil: undefined });
    fc.assert(
      fc.property(header, header, header, header, (contentType, contentEncoding, transferEncoding, contentLength) => {
        const refusal = checkDeliveryHeaders(
          { 'content-type': contentType, 'content-encoding': contentEncoding, 'transfer-encoding': transferEncoding, 'content-length': contentLength },
          1024,
        );
        if (refusal !== undefined) expect([413, 415]).toContain(refusal.status);
        if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') expect(refusal?.status).toBe(415);
      }),
      RUNS,
    );
    fc.assert(fc.property(fc.string(), (text) => typeof isJsonMediaType(text) === 'boolean'), RUNS);
  });

  it('parseListenAddress, parseMailboxPage and MailboxTokens.parse refuse junk with a reason', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (text) => {
        const listen = parseListenAddress(text);
        if (!('problem' in listen)) expect(listen.port).toBeLessThanOrEqual(65_535);
        const page = parseMailboxPage(text, 1024);
        expect('problem' in page || Array.isArray(page.entries)).toBe(true);
        try {
          MailboxTokens.parse(text);
        } catch (error) {
          expect((error as Error).message).toMatch(/expected "FINGERPRINT TOKEN"/);
        }
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.string(), bytes: fc.oneof(fc.string(), fc.base64String()) }), { maxLength: 5 }), (entries) => {
        const page = parseMailboxPage(JSON.stringify({ envelopes: entries }), 16);
        if (!('problem' in page)) for (const entry of page.entries) expect(entry.bytes.byteLength).toBeLessThanOrEqual(16);
      }),
      RUNS,
    );
  });
});

describe('the receiving server under random requests', () => {
  let receiver: { transport: HttpTransport; endpoint: string };
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const folder = await sandbox();
    receiver = await startedReceiver(FINGERPRINT_B, { spool: folder.directory, rateLimit: 0, maxEnvelopeBytes: 2048 });
    cleanup = async () => {
      await receiver.transport.stop();
      await folder.cleanup();
    };
  });
  afterAll(() => cleanup());

  it('answers every random POST with a documented status and stays up', async () => {
    const contentType = fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', undefined);
    const contentEncoding = fc.constantFrom(undefined, 'gzip', 'identity', 'br');
    const body = fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.json().map((text) => new TextEncoder().encode(text)), fc.constant(envelopeFor(FINGERPRINT_B).bytes));
    await fc.assert(
      fc.asyncProperty(contentType, contentEncoding, body, fc.boolean(), async (type, encoding, bytes, chunked) => {
        const headers: Record<string, string> = {};
        if (type !== undefined) headers['content-type'] = type;
        if (encoding !== undefined) headers['content-encoding'] = encoding;
        if (chunked) headers['transfer-encoding'] = 'chunked';
        const answer = await rawRequest(receiver.endpoint, { headers, chunks: chunked ? [bytes.subarray(0, 100), bytes.subarray(100)] : [bytes] });
        expect([202, 400, 404, 413, 415]).toContain(answer.status);
      }),
      { numRuns: 200 },
    );
    expect((await rawRequest(`${receiver.endpoint}/health`, { method: 'GET' })).status).toBe(200);
  });
});
