import { connect, type Socket } from 'node:net';
import { silentLogger } from '@skcomm/core';
import { tcp, type TcpTransport, type TcpTransportInit } from '../src/index.js';

export const FINGERPRINT_A = 'A'.repeat(40);
export const FINGERPRINT_B = 'B'.repeat(40);

/** A TCP transport on an ephemeral loopback port unless `init` says otherwise. */
export function tcpTransport(init: Partial<TcpTransportInit> = {}, fingerprint = FINGERPRINT_B): TcpTransport {
  return tcp({ listen: '127.0.0.1:0', ...init })({ selfFingerprint: fingerprint, logger: silentLogger });
}

/** A started transport and a `stop` to call in afterEach. */
export async function startedTransport(init: Partial<TcpTransportInit> = {}): Promise<TcpTransport> {
  const transport = tcpTransport(init);
  await transport.start();
  return transport;
}

/** A raw client socket to `address`, collecting everything the listener writes back. */
export async function rawClient(address: string): Promise<{ socket: Socket; replies: () => string; closed: Promise<void> }> {
  const [host, port] = splitAddress(address);
  const socket = connect({ host, port });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, replies: () => received, closed };
}

export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** Waits until `condition()` holds, polling every 10 ms; fails after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A compact envelope-shaped JSON object of about `size` bytes. */
export function envelopeBytes(id: string, size = 200): Uint8Array {
  const base = { skcomm_version: '1.0.0', envelope_id: id, payload: { content_encrypted: '' } };
  const padding = Math.max(0, size - JSON.stringify(base).length);
  base.payload.content_encrypted = 'x'.repeat(padding);
  return new TextEncoder().encode(JSON.stringify(base));
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A port that was free a moment ago on 127.0.0.1 (for counterparts that cannot take port 0). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
