/**
 * send() against real servers that misbehave in every way a peer can: gone, slow,
 * full, refusing. `retryable` must be true exactly where trying again later can help.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TransportError } from '@skcomm/core';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, freePort, sandbox, startedReceiver, transportFor } from './support.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real node:http server that answers every request with `respond`. */
async function peer(respond: (response: ServerResponse) => void): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => respond(response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/skcomm`;
}

const sender = () => transportFor(FINGERPRINT_A, { timeoutMs: 300 });

async function failureOf(address: string | undefined, bytes = envelopeFor().bytes, transport = sender()): Promise<TransportError & { status?: number }> {
  const error = await transport.send(bytes, address === undefined ? { fingerprint: FINGERPRINT_B } : { fingerprint: FINGERPRINT_B, address }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!TransportError.isTransportError(error)) throw new Error(`expected a TransportError, got ${String(error)}`);
  expect(error.transport).toBe('http');
  return error;
}

describe('retryable failures', () => {
  it('connection refused', async () => {
    const error = await failureOf(`http://127.0.0.1:${await freePort()}/skcomm`);
    expect(error).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
  });

  it('no answer before timeoutMs', async () => {
    const address = await peer(() => undefined); // reads the body, never answers
    const error = await failureOf(address);
    expect(error).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
    expect(error.message).toContain('300 ms');
  });

  it('the connection is cut before an answer', async () => {
    const address = await peer((response) => response.socket?.destroy());
    expect(await failureOf(address)).toMatchObject({ retryable: true });
  });

  it.each([500, 502, 503, 504, 507, 408, 425, 429])('status %i', async (status) => {
    const address = await peer((response) => response.writeHead(status).end());
    expect(await failureOf(address)).toMatchObject({ retryable: true, status });
  });
});

describe('permanent failures', () => {
  it.each([400, 401, 403, 404, 405, 410, 415, 301, 302, 307])('status %i', async (status) => {
    const address = await peer((response) => response.writeHead(status, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    expect(await failureOf(address)).toMatchObject({ retryable: false, status });
  });

  it('413 from the peer: the envelope will never fit there', async () => {
    const folder = await sandbox();
    const { transport: small, endpoint } = await startedReceiver(FINGERPRINT_B, { spool: folder.directory, maxEnvelopeBytes: 100, rateLimit: 0 });
    try {
      const error = await failureOf(endpoint);
      expect(error).toMatchObject({ retryable: false, status: 413, code: ErrorCode.EnvelopeTooLarge });
      expect(error.message).toContain('over the limit of 100 bytes');
    } finally {
      await small.stop();
      await folder.cleanup();
    }
  });

  it('an envelope over our own limit is refused before any connection', async () => {
    const transport = transportFor(FINGERPRINT_A, { maxEnvelopeBytes: 10 });
    expect(await failureOf('http://127.0.0.1:1/skcomm', envelopeFor().bytes, transport)).toMatchObject({ retryable: false, code: ErrorCode.EnvelopeTooLarge });
  });

  it.each([
    ['no address', undefined],
    ['an empty address', ''],
    ['not a URL', '127.0.0.1:8080'],
    ['another scheme', 'ftp://127.0.0.1/skcomm'],
    ['credentials in the URL', 'http://user:secret@127.0.0.1:8080/skcomm'],
  ])('%s', async (_label, address) => {
    const error = await failureOf(address);
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('secret');
  });
});

it('a peer error text is shown only from our JSON answers, cut to printable characters', async () => {
  const address = await peer((response) => response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad\u001b[31m thing\n' })));
  const error = await failureOf(address);
  expect(error.message).toMatch(/answered 400: bad \[31m thing$/);
});

it('send() resolves with the URL once the peer answered 2xx', async () => {
  const address = await peer((response) => response.writeHead(202).end());
  await expect(sender().send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address })).resolves.toEqual({ transport: 'http', detail: address });
});
