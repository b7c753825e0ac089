/**
 * The receiving server against what our own sender never sends (threat model T18, T23
 * and (d) 10): bodies over the limit, streamed or declared; wrong or missing
 * Content-Type; compressed bodies; chunked transfer coding; junk; floods from one address.
 */
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpTransport, HttpTransportInit } from '../src/index.js';
import { envelopeFor, eventually, FINGERPRINT_B, FINGERPRINT_C, JSON_HEADERS, rawRequest, sandbox, startedReceiver } from './support.js';

const LIMIT = 4096;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function receiver(init: Omit<HttpTransportInit, 'listen' | 'spool'> = {}): Promise<{ transport: HttpTransport; endpoint: string; spool: string }> {
  const folder = await sandbox();
  const spool = `${folder.directory}/spool`;
  const { transport, endpoint } = await startedReceiver(FINGERPRINT_B, { maxEnvelopeBytes: LIMIT, rateLimit: 0, spool, ...init });
  cleanups.push(async () => {
    await transport.stop();
    await folder.cleanup();
  });
  return { transport, endpoint, spool };
}

/** An envelope for B padded with spaces (still the same JSON) to exactly `size` bytes. */
function envelopeOfSize(size: number): Uint8Array {
  const bytes = envelopeFor(FINGERPRINT_B).bytes;
  if (bytes.length > size) throw new Error(`test envelope is already ${bytes.length} bytes`);
  const padded = new Uint8Array(size).fill(0x20);
  padded.set(bytes);
  return padded;
}

async function spooledCount(spool: string): Promise<number> {
  return (await readdir(`${spool}/inbox`)).filter((name) => name.endsWith('.skc.json')).length;
}

describe('size limit (T18)', () => {
  it.each([
    ['with Content-Length', JSON_HEADERS],
    ['chunked (counted while streaming)', { ...JSON_HEADERS, 'transfer-encoding': 'chunked' }],
  ])('accepts limit - 1 and limit bytes, answers 413 to limit + 1, %s', async (_label, headers: Record<string, string>) => {
    const { endpoint, spool } = await receiver();
    expect((await rawRequest(endpoint, { headers, chunks: [envelopeOfSize(LIMIT - 1)] })).status).toBe(202);
    expect((await rawRequest(endpoint, { headers, chunks: [envelopeOfSize(LIMIT)] })).status).toBe(202);
    const halves = [envelopeOfSize(LIMIT + 1).subarray(0, 2000), envelopeOfSize(LIMIT + 1).subarray(2000)];
    const over = await rawRequest(endpoint, { headers, chunks: halves });
    expect(over.status).toBe(413);
    expect(await spooledCount(spool)).toBe(2);
  });

  it('answers 413 to a declared Content-Length over the limit before reading any of the body', async () => {
    const { endpoint } = await receiver();
    const answer = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(endpoint, { method: 'POST', headers: { ...JSON_HEADERS, 'content-length': String(100 * 1024 * 1024) }, agent: false });
      request.on('error', reject);
      request.on('response', (response) => {
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      request.flushHeaders(); // headers only: not one byte of the 100 MB is ever sent
    });
    expect(answer).toBe(413);
  });

  it('answers 413 to a chunked 100 MB body after reading little more than the limit, and keeps working', async () => {
    const { transport, endpoint, spool } = await receiver({ maxEnvelopeBytes: 1024 * 1024 });
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let produced = 0;
    const hundredMegabytes = 100 * 1024 * 1024;
    const body = new Readable({
      read() {
        if (produced >= hundredMegabytes) this.push(null);
        else {
          produced += chunk.length;
          this.push(chunk);
        }
      },
    });
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(endpoint, { method: 'POST', headers: JSON_HEADERS, agent: false }); // no length: chunked
      request.on('error', reject);
      request.on('response', (response) => {
        resolve(response.statusCode ?? 0);
        body.unpipe(request);
        request.destroy();
      });
      body.pipe(request);
    });
    expect(status).toBe(413);
    // The answer came while the client had produced a few MiB at most (the 1 MiB limit, at
    // most 1 MiB drained after the answer, socket buffers), nowhere near 100 MB.
    expect(produced).toBeLessThan(16 * 1024 * 1024);
    expect(await spooledCount(spool)).toBe(0);
    const envelope = envelopeFor(FINGERPRINT_B);
    expect((await rawRequest(endpoint, { headers: JSON_HEADERS, chunks: [envelope.bytes] })).status).toBe(202);
    const [received] = await transport.receive();
    expect(received?.bytes).toEqual(envelope.bytes);
  });
});

describe('content checks ((d) 10)', () => {
  it.each([
    ['no Content-Type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a charset other than UTF-8', { 'content-type': 'application/json; charset=latin1' }],
    ['application/jsonp', { 'content-type': 'application/jsonp' }],
  ])('answers 415 to %s', async (_label, headers: Record<string, string>) => {
    const { endpoint, spool } = await receiver();
    const answer = await rawRequest(endpoint, { headers, chunks: [envelopeFor(FINGERPRINT_B).bytes] });
    expect(answer.status).toBe(415);
    expect(await spooledCount(spool)).toBe(0);
  });

  it('accepts application/json with charset=utf-8 in any case', async () => {
    const { endpoint } = await receiver();
    const answer = await rawRequest(endpoint, { headers: { 'content-type': 'Application/JSON; Charset="UTF-8"' }, chunks: [envelopeFor(FINGERPRINT_B).bytes] });
    expect(answer.status).toBe(202);
  });

  it('refuses a gzip bomb with 415 without inflating it', async () => {
    const { endpoint, spool } = await receiver();
    const bomb = gzipSync(new Uint8Array(50 * 1024 * 1024)); // 50 MB of zeros in about 50 KB
    for (const encoding of ['gzip', 'deflate', 'br', 'gzip, identity']) {
      const answer = await rawRequest(endpoint, { headers: { ...JSON_HEADERS, 'content-encoding': encoding }, chunks: [bomb] });
      expect(answer.status).toBe(415);
    }
    const chunkedGzip = await rawRequest(endpoint, { headers: { ...JSON_HEADERS, 'transfer-encoding': 'gzip, chunked' }, chunks: [bomb] });
    expect(chunkedGzip.status).toBe(415);
    expect(await spooledCount(spool)).toBe(0);
  });

  it('accepts Content-Encoding: identity', async () => {
    const { endpoint } = await receiver();
    const answer = await rawRequest(endpoint, { headers: { ...JSON_HEADERS, 'content-encoding': 'identity' }, chunks: [envelopeFor(FINGERPRINT_B).bytes] });
    expect(answer.status).toBe(202);
  });

  it('reassembles a chunked body sent in many small pieces byte-exact', async () => {
    const { transport, endpoint } = await receiver();
    const envelope = envelopeFor(FINGERPRINT_B);
    const pieces: Uint8Array[] = [];
    for (let offset = 0; offset < envelope.bytes.length; offset += 7) pieces.push(envelope.bytes.subarray(offset, offset + 7));
    const answer = await rawRequest(endpoint, { headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked' }, chunks: pieces });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ status: 'stored', envelope_id: envelope.envelopeId });
    const [received] = await transport.receive();
    expect(received?.bytes).toEqual(envelope.bytes);
  });

  it.each([
    ['an empty body', ''],
    ['not JSON', 'hello'],
    ['a JSON array', '[1,2,3]'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['no envelope_id', JSON.stringify({ to: { fingerprint: FINGERPRINT_B } })],
    ['a traversal envelope_id', JSON.stringify({ envelope_id: '../../x', to: { fingerprint: FINGERPRINT_B } })],
    ['no recipient', JSON.stringify({ envelope_id: '3b241101-e2bb-4255-8caf-4136c566a962' })],
    ['a lowercase recipient', JSON.stringify({ envelope_id: '3b241101-e2bb-4255-8caf-4136c566a962', to: { fingerprint: FINGERPRINT_B.toLowerCase() } })],
    ['a BOM before the JSON', `\uFEFF${new TextDecoder().decode(envelopeFor(FINGERPRINT_B).bytes)}`],
  ])('answers 400 to %s and stores nothing', async (_label, body) => {
    const { endpoint, spool } = await receiver();
    const answer = await rawRequest(endpoint, { headers: JSON_HEADERS, chunks: [body] });
    expect(answer.status).toBe(400);
    expect(await spooledCount(spool)).toBe(0);
  });

  it('answers 404 to an envelope for someone this server keeps no mailbox for', async () => {
    const { endpoint } = await receiver();
    const answer = await rawRequest(endpoint, { headers: JSON_HEADERS, chunks: [envelopeFor(FINGERPRINT_C).bytes] });
    expect(answer.status).toBe(404);
  });

  it('answers 405 to other methods on the path and 404 elsewhere', async () => {
    const { endpoint } = await receiver();
    const get = await rawRequest(endpoint, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await rawRequest(`${endpoint}/elsewhere`, { headers: JSON_HEADERS, chunks: ['{}'] })).status).toBe(404);
    expect((await rawRequest(endpoint.replace('/skcomm', '/other'), { headers: JSON_HEADERS, chunks: ['{}'] })).status).toBe(404);
    expect((await rawRequest(`${endpoint}/health`, { method: 'GET' })).json).toEqual({ status: 'up' });
  });
});

describe('resource limits (T23)', () => {
  it('answers 429 with Retry-After once a source address spent its burst, while other addresses still get through', async () => {
    const { endpoint } = await receiver({ rateLimit: 0.01, rateLimitBurst: 3 }); // no refill during the test
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) {
      statuses.push((await rawRequest(endpoint, { headers: JSON_HEADERS, chunks: [envelopeFor(FINGERPRINT_B).bytes] })).status);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    const limited = await rawRequest(endpoint, { headers: JSON_HEADERS, chunks: [envelopeFor(FINGERPRINT_B).bytes] });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // 127.0.0.2 is another loopback address: another source with its own bucket.
    const other = await rawRequest(endpoint, { headers: JSON_HEADERS, chunks: [envelopeFor(FINGERPRINT_B).bytes], localAddress: '127.0.0.2' });
    expect(other.status).toBe(202);
  });

  it('answers 503 (retryable) while the spool holds maxSpooled envelopes, and accepts again after a commit', async () => {
    const { transport, endpoint } = await receiver({ maxSpooled: 2 });
    for (let index = 0; index < 2; index++) await transport.send(envelopeFor(FINGERPRINT_B).bytes, { fingerprint: FINGERPRINT_B, address: endpoint });
    const refused = await transport.send(envelopeFor(FINGERPRINT_B).bytes, { fingerprint: FINGERPRINT_B, address: endpoint }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'HttpTransportError', retryable: true, status: 503 });
    const [first] = await transport.receive({ limit: 1 });
    await first?.commit();
    await transport.send(envelopeFor(FINGERPRINT_B).bytes, { fingerprint: FINGERPRINT_B, address: endpoint });
  });

  it('survives raw garbage, truncated requests and resets on its socket', async () => {
    const { transport, endpoint } = await receiver();
    const { port } = new URL(endpoint);
    const garbage = [
      'GARBAGE\r\n\r\n',
      'POST /skcomm HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n{"env',
      'POST /skcomm HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n',
      'POST /skcomm HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      `POST /skcomm HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
      '\x00\x01\x02\xff\xfe',
    ];
    for (const text of garbage) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(text);
          setTimeout(() => socket.destroy(), 20); // cut it off mid-request
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    }
    const envelope = envelopeFor(FINGERPRINT_B);
    await transport.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: endpoint });
    await eventually(async () => (await transport.receive()).some((received) => received.bytes.length === envelope.bytes.length), 'the envelope after the garbage');
  });
});
