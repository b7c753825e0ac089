/**
 * Opens one authenticated WebSocket to a relay: the CapAuth token in `Authorization:
 * Bearer`, the armored public key (base64url) in `skcomm-public-key`. A refused
 * handshake (401/403) becomes a HandshakeRefusedError carrying the relay's reason.
 */
import type { AuthToken } from '@skcomm/core';
import WebSocket from 'ws';
import { AUTHORIZATION_HEADER, PUBLIC_KEY_HEADER } from '@skcomm/relay-protocol';

export class HandshakeRefusedError extends Error {
  override readonly name = 'HandshakeRefusedError';
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`relay refused the connection: HTTP ${status}${reason === '' ? '' : ` (${reason})`}`);
  }
}

export interface HandshakeOptions {
  url: string;
  credentials: AuthToken;
  timeoutMs: number;
  /** Largest frame accepted from the relay. */
  maxPayload: number;
}

const MAX_REASON_BYTES = 300;

/**
 * `onOpen` runs synchronously when the socket opens: frames the relay sends right after
 * the upgrade arrive before a promise continuation would, and must find their listener.
 */
export function openRelaySocket(options: HandshakeOptions, onOpen: (socket: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, {
      headers: {
        [AUTHORIZATION_HEADER]: `Bearer ${options.credentials.token}`,
        [PUBLIC_KEY_HEADER]: Buffer.from(options.credentials.armoredPublicKey, 'utf8').toString('base64url'),
      },
      handshakeTimeout: options.timeoutMs,
      maxPayload: options.maxPayload,
      perMessageDeflate: false,
      followRedirects: false,
    });
    socket.binaryType = 'nodebuffer';
    const fail = (error: Error) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      reject(error);
    };
    socket.once('open', () => {
      socket.removeAllListeners();
      onOpen(socket);
      resolve(socket);
    });
    socket.once('error', fail);
    socket.once('unexpected-response', (request, response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const done = () => {
        request.destroy();
        fail(new HandshakeRefusedError(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8').trim().slice(0, MAX_REASON_BYTES)));
      };
      response.on('data', (chunk: Buffer) => {
        if (length < MAX_REASON_BYTES) chunks.push(chunk);
        length += chunk.length;
      });
      response.once('end', done);
      response.once('error', done);
    });
  });
}
