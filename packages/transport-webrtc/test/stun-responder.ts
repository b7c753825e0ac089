/**
 * A minimal STUN binding responder (RFC 5389) on 127.0.0.1 for tests: answers each Binding
 * request with the requester's address (XOR-MAPPED-ADDRESS) and counts the requests.
 */
import { createSocket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;

export interface StunResponder {
  readonly url: string;
  readonly requests: number;
  close(): Promise<void>;
}

export async function startStunResponder(): Promise<StunResponder> {
  const socket = createSocket('udp4');
  let requests = 0;
  socket.on('message', (message, remote) => {
    if (message.length < 20 || message.readUInt16BE(0) !== 0x0001 || message.readUInt32BE(4) !== MAGIC_COOKIE) return;
    requests++;
    const response = Buffer.alloc(32);
    response.writeUInt16BE(0x0101, 0); // Binding success response
    response.writeUInt16BE(12, 2);
    response.writeUInt32BE(MAGIC_COOKIE, 4);
    message.copy(response, 8, 8, 20); // transaction id
    response.writeUInt16BE(0x0020, 20); // XOR-MAPPED-ADDRESS
    response.writeUInt16BE(8, 22);
    response.writeUInt16BE(0x0001, 24); // IPv4
    response.writeUInt16BE(remote.port ^ (MAGIC_COOKIE >>> 16), 26);
    const address = remote.address.split('.').reduce((value, octet) => (value << 8) + Number(octet), 0) >>> 0;
    response.writeUInt32BE((address ^ MAGIC_COOKIE) >>> 0, 28);
    socket.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    url: `stun:127.0.0.1:${socket.address().port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
