import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, TransportContext } from '@skcomm/core';
import { createTestEnvelope, type TestEnvelope } from '@skcomm/compliance-tests';
import { http, type HttpTransport, type HttpTransportInit } from '../src/index.js';

export const FINGERPRINT_A = 'A1'.repeat(20);
export const FINGERPRINT_B = 'B2'.repeat(20);
export const FINGERPRINT_C = 'C3'.repeat(20);

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that remembers what it was told. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** A fresh temporary directory. */
export async function sandbox(): Promise<{ directory: string; cleanup(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'skcomm-http-'));
  return { directory, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

/** A port nothing listens on right now (bound once on 127.0.0.1, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function transportFor(selfFingerprint: string, init: HttpTransportInit, logger: Logger = recordingLogger()): HttpTransport {
  const context: TransportContext = { selfFingerprint, logger };
  return http(init)(context);
}

/** A started receiving transport on an ephemeral port, and its endpoint URL. */
export async function startedReceiver(
  selfFingerprint: string,
  init: Omit<HttpTransportInit, 'listen'> & { listen?: string },
  logger: Logger = recordingLogger(),
): Promise<{ transport: HttpTransport; endpoint: string }> {
  const transport = transportFor(selfFingerprint, { listen: '127.0.0.1:0', ...init }, logger);
  await transport.start();
  const endpoint = transport.endpoint;
  if (endpoint === undefined) throw new Error('the receiver did not start listening');
  return { transport, endpoint };
}

export function envelopeFor(to: string = FINGERPRINT_B, from: string = FINGERPRINT_A): TestEnvelope {
  return createTestEnvelope({ from, to });
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passed. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

/**
 * One raw request with node:http, for what our own sender never does: wrong headers,
 * chunked bodies, oversized bodies, other source addresses. The body is sent with a
 * Content-Length unless `transfer-encoding: chunked` is among the headers.
 */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; chunks?: Array<Uint8Array | string>; localAddress?: string } = {},
): Promise<RawAnswer> {
  const headers = { ...init.headers };
  // Without a declared length (or an explicit transfer-encoding), Node would send chunked.
  if (init.chunks !== undefined && headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) {
    headers['content-length'] = String(init.chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk), 0));
  }
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: init.method ?? 'POST', headers, agent: false, ...(init.localAddress ? { localAddress: init.localAddress } : {}) });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json });
      });
    });
    for (const chunk of init.chunks ?? []) request.write(chunk);
    request.end();
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
