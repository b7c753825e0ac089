import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the libp2p transport. */
export class Libp2pTransportError extends TransportError {}

/**
 * The stream or connection to a peer ended before its ack. On a reused connection this is
 * usually a peer that restarted: one retry on a fresh stream is safe (the receiver
 * deduplicates by envelope_id).
 */
export class StreamLostError extends Libp2pTransportError {}

/** Socket errors that mean "nobody is listening there right now": the peer may come back. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT', 'ECONNRESET']);
/** The node at the address proved a different peer id than the address names. */
const WRONG_PEER = new Set(['UnexpectedPeerError', 'InvalidPeerIdError']);
/** How the noise handshake (an EncryptionFailedError) says the same thing. */
const WRONG_IDENTITY = /does not match expected remote identity/;

/**
 * Maps a libp2p dial failure to a Libp2pTransportError. A wrong peer id at the address is
 * not retryable (the address or the peer record is wrong); everything else is (a peer
 * restarts, a link comes back; the router bounds the retries).
 */
export function fromDialError(cause: unknown, transport: string, address: string): Libp2pTransportError {
  if (cause instanceof Libp2pTransportError) return cause;
  const chain = errorChain(cause);
  const names = chain.map((error) => error.name);
  const detail = describe(cause);
  if (chain.some((error) => WRONG_PEER.has(error.name) || (error.name === 'EncryptionFailedError' && WRONG_IDENTITY.test(error.message)))) {
    return new Libp2pTransportError(
      `the node at ${address} is not the peer that address names (${detail}); check the peer's libp2p address`,
      { transport, retryable: false, cause },
    );
  }
  if (names.includes('UnsupportedProtocolError')) {
    return new Libp2pTransportError(`the node at ${address} does not speak the SKComm envelope protocol`, { transport, retryable: false, cause });
  }
  return new Libp2pTransportError(
    `cannot reach ${address}: ${detail}`,
    { transport, retryable: true, cause },
    chain.some((error) => UNREACHABLE.has((error as NodeJS.ErrnoException).code ?? '')) ? ErrorCode.TransportUnavailable : ErrorCode.Transport,
  );
}

/** The error and every error it wraps (libp2p may nest the real cause in an AggregateError or `cause`). */
function errorChain(error: unknown, depth = 0): Error[] {
  if (!(error instanceof Error) || depth > 4) return [];
  const nested = [
    ...(error instanceof AggregateError ? error.errors.flatMap((inner: unknown) => errorChain(inner, depth + 1)) : []),
    ...errorChain(error.cause, depth + 1),
  ];
  return [error, ...nested];
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
