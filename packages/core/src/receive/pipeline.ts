/**
 * The receive pipeline (DESIGN §3). Checks run in this order, cheap ones first, and no
 * state changes before the last: size, schema, known and unrevoked sender key, detached
 * signature + decrypt + inner signature by that key only + header binding (crypto),
 * time window on the signed created_at/ttl, replay, trust policy. Then the message is
 * stored in the inbox, recorded as seen, and committed to the transport.
 *
 * Bad input never throws out of `process()`: it becomes a typed rejection, quarantined
 * and logged. Only storage failures propagate, uncommitted, so the transport redelivers.
 */
import { ACK_PAYLOAD_TYPE, openEnvelope } from '../crypto/index.js';
import type { IdentityHandle } from '../crypto/index.js';
import { parseEnvelope } from '../envelope/parse.js';
import { DEFAULT_MAX_ENVELOPE_BYTES, type Envelope } from '../envelope/schema.js';
import { describeError, EnvelopeError, ErrorCode, RejectionError, SkcommError } from '../errors.js';
import { brandVerified, trustAtLeast, type VerifiedMessage } from '../message.js';
import type { Inbox } from '../store/inbox.js';
import type { PeerStore } from '../store/peers.js';
import type { Quarantine } from '../store/quarantine.js';
import type { ReplayStore } from '../store/replay.js';
import { type InboundEnvelope, type Logger, silentLogger } from '../transport/contract.js';
import { COMMAND_TYPE, type CommandHandler, commandVerb } from './command.js';

/** Largest accepted clock difference: a created_at up to this far ahead is fine. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type ReceiveOutcome =
  | { status: 'accepted'; message: VerifiedMessage }
  /**
   * Already accepted from this sender: not delivered again. `error` is the E_REPLAY it
   * would be; the rest is what a re-ack needs (duplicates are re-acked, never re-delivered).
   */
  | { status: 'duplicate'; envelopeId: string; error: RejectionError; senderFingerprint: string; documentSha256: string; type: string }
  /** A verified ack, handed to `onAck` (which accepted its binding) and recorded as seen. */
  | { status: 'ack'; message: VerifiedMessage }
  | { status: 'rejected'; error: SkcommError; quarantineId: string };

export interface ReceivePipelineOptions {
  self: IdentityHandle & { name: string };
  peers: PeerStore;
  replay: ReplayStore;
  quarantine: Quarantine;
  inbox: Inbox;
  now?: () => Date;
  /** Default and ceiling 1 MiB. */
  maxEnvelopeBytes?: number;
  logger?: Logger;
  /**
   * Checks a verified `ack` against what was sent and records the delivery. Throwing a
   * RejectionError (a misbound ack) quarantines it. Without a handler, acks are
   * delivered to the inbox like any other type.
   */
  onAck?: (message: VerifiedMessage) => Promise<void>;
  /** Verb -> handler. A `command` runs only from a peer trusted >= `trusted` with a handler here. */
  commandHandlers?: ReadonlyMap<string, CommandHandler>;
  /**
   * The last check of an accepted message, which may also turn it into what the inbox
   * keeps (the agent saves a received file and stores where it went). A typed error
   * rejects the envelope (quarantined); a StorageError propagates, uncommitted.
   */
  prepareForInbox?: (message: VerifiedMessage, inbound: InboundEnvelope) => Promise<VerifiedMessage>;
}

export interface ReceivePipeline {
  /**
   * Verifies, stores and commits one inbound envelope. Up to 8 are handled at once; from
   * the replay check to the commit, copies of one envelope (same sender, same id) go one
   * at a time, different envelopes side by side.
   */
  process(inbound: InboundEnvelope): Promise<ReceiveOutcome>;
}

type Verdict =
  | { kind: 'accept'; message: VerifiedMessage; expiresAt: Date; command: { verb: string; handler: CommandHandler } | undefined }
  | { kind: 'ack'; message: VerifiedMessage; expiresAt: Date }
  | { kind: 'duplicate'; envelopeId: string; senderFingerprint: string; documentSha256: string; type: string }
  | { kind: 'reject'; error: SkcommError; envelope: Envelope | undefined };

export function createReceivePipeline(options: ReceivePipelineOptions): ReceivePipeline {
  const { self, peers, replay, quarantine, inbox } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const maxEnvelopeBytes = Math.min(options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_ENVELOPE_BYTES);
  const handlers = options.commandHandlers ?? new Map<string, CommandHandler>();

  /**
   * `enterSerial` is awaited right before the first stateful check (replay): from there
   * to the end of storing, one copy of that envelope at a time. Everything before
   * (parsing, crypto) runs for several envelopes at once.
   */
  async function verify(inbound: InboundEnvelope, enterSerial: (key: string) => Promise<void>): Promise<Verdict> {
    let envelope: Envelope | undefined;
    try {
      const size = inbound.bytes.byteLength;
      if (size > maxEnvelopeBytes) {
        throw new EnvelopeError(ErrorCode.EnvelopeTooLarge, `envelope is ${size} bytes, over the ${maxEnvelopeBytes}-byte limit`, {
          field: '(bytes)',
        });
      }
      envelope = parseEnvelope(inbound.bytes, { maxBytes: maxEnvelopeBytes });

      const peer = await peers.findByFingerprint(envelope.from.fingerprint);
      if (peer === undefined) {
        throw new RejectionError(ErrorCode.UnknownSender, `no peer holds the key ${envelope.from.fingerprint}`, { field: 'from.fingerprint' });
      }
      if (peer.record.revoked) {
        throw new RejectionError(ErrorCode.KeyRevoked, `peer ${peer.record.name} was revoked at ${peer.record.revoked_at ?? 'an unknown time'}`, {
          field: 'from.fingerprint',
        });
      }

      const opened = await openEnvelope(envelope, { self, senderKey: peer.key });
      const { document } = opened;

      const nowMs = now().getTime();
      const createdAtMs = Date.parse(document.created_at);
      if (createdAtMs > nowMs + MAX_CLOCK_SKEW_MS) {
        throw new RejectionError(ErrorCode.FromFuture, `created ${document.created_at}, more than 5 minutes ahead of this clock`, {
          field: 'document.created_at',
        });
      }
      if (nowMs > createdAtMs + document.ttl_seconds * 1000) {
        throw new RejectionError(ErrorCode.Expired, `created ${document.created_at} with a ttl of ${document.ttl_seconds} s: expired`, {
          field: 'document.ttl_seconds',
        });
      }

      await enterSerial(`${document.from.fingerprint} ${document.envelope_id}`);
      if (await replay.has(document.from.fingerprint, document.envelope_id, new Date(createdAtMs))) {
        return {
          kind: 'duplicate',
          envelopeId: document.envelope_id,
          senderFingerprint: document.from.fingerprint,
          documentSha256: opened.documentSha256,
          type: document.type,
        };
      }

      let command: { verb: string; handler: CommandHandler } | undefined;
      if (document.type === COMMAND_TYPE) {
        // A command acts now: one held back (by a relay, a queue, an attacker) is not run late (T12).
        if (nowMs - createdAtMs > MAX_CLOCK_SKEW_MS) {
          throw new RejectionError(ErrorCode.Stale, `command created ${document.created_at}, more than 5 minutes ago: too old to run`, {
            field: 'document.created_at',
          });
        }
        if (!trustAtLeast(peer.record.trust, 'trusted')) {
          throw new RejectionError(ErrorCode.TrustDenied, `peer ${peer.record.name} is ${peer.record.trust}; commands need trusted`, {
            field: 'payload.type',
          });
        }
        const verb = commandVerb(document.body);
        const handler = handlers.get(verb);
        if (handler === undefined) {
          throw new RejectionError(ErrorCode.TrustDenied, `no handler is registered for the command "${verb}"`, { field: 'document.body' });
        }
        command = { verb, handler };
      }

      const message = brandVerified(document, {
        mode: opened.mode,
        trust: peer.record.trust,
        transport: inbound.transport,
        receivedAt: inbound.receivedAt,
        documentSha256: opened.documentSha256,
      });
      // Kept past the ttl by the skew allowance, so a clock stepping back cannot reopen a replay.
      const expiresAt = new Date(createdAtMs + document.ttl_seconds * 1000 + MAX_CLOCK_SKEW_MS);
      if (document.type === ACK_PAYLOAD_TYPE && options.onAck !== undefined) {
        // The last check: the ack must name an envelope we sent, as we sent it.
        await options.onAck(message);
        return { kind: 'ack', message, expiresAt };
      }
      const stored = options.prepareForInbox === undefined ? message : await prepare(options.prepareForInbox, message, inbound);
      return { kind: 'accept', message: stored, expiresAt, command };
    } catch (error) {
      if (isStorageError(error)) throw error;
      if (SkcommError.is(error)) return { kind: 'reject', error, envelope };
      // Not a typed failure (a library bug on hostile input): still a rejection, never a crash.
      logger.error('unexpected error while verifying an envelope', { transport: inbound.transport, error: describeError(error) });
      return {
        kind: 'reject',
        error: new RejectionError(ErrorCode.CryptoFailed, `unexpected error while verifying: ${describeError(error)}`, { cause: error }),
        envelope,
      };
    }
  }

  async function processOne(inbound: InboundEnvelope): Promise<ReceiveOutcome> {
    let release: (() => void) | undefined;
    try {
      return await decide(inbound, await verify(inbound, async (key) => void (release = await serial.acquire(key))));
    } finally {
      release?.();
    }
  }

  async function decide(inbound: InboundEnvelope, verdict: Verdict): Promise<ReceiveOutcome> {
    if (verdict.kind === 'ack') {
      const { message } = verdict;
      await replay.add(message.from.fingerprint, message.envelopeId, verdict.expiresAt, message.createdAt);
      await inbound.commit();
      logger.debug('ack accepted', { envelopeId: message.envelopeId, from: message.from.fingerprint, transport: inbound.transport });
      return { status: 'ack', message };
    }
    if (verdict.kind === 'accept') {
      const { message } = verdict;
      // The inbox entry is the durable "delivered to the application" step; a crash
      // before the seen record is caught by the inbox's exclusive create on redelivery.
      const stored = await inbox.append(message);
      await replay.add(message.from.fingerprint, message.envelopeId, verdict.expiresAt, message.createdAt);
      await inbound.commit();
      if (!stored) return duplicateOutcome(message.envelopeId, message.from.fingerprint, message.documentSha256, message.type, inbound.transport);
      logger.info('envelope accepted', {
        envelopeId: message.envelopeId,
        from: message.from.fingerprint,
        type: message.type,
        mode: message.mode,
        transport: inbound.transport,
      });
      if (verdict.command !== undefined) await runHandler(verdict.command.handler, message, verdict.command.verb);
      return { status: 'accepted', message };
    }
    if (verdict.kind === 'duplicate') {
      await inbound.commit();
      return duplicateOutcome(verdict.envelopeId, verdict.senderFingerprint, verdict.documentSha256, verdict.type, inbound.transport);
    }
    const { error, envelope } = verdict;
    const tooLarge = inbound.bytes.byteLength > maxEnvelopeBytes;
    const quarantineId = await quarantine.put(tooLarge ? inbound.bytes.subarray(0, maxEnvelopeBytes) : inbound.bytes, {
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      transport: inbound.transport,
      ...(inbound.source === undefined ? {} : { source: inbound.source }),
      at: now(),
      ...(tooLarge ? { originalSize: inbound.bytes.byteLength } : {}),
    });
    logger.warn('envelope rejected', {
      code: error.code,
      field: error.field,
      reason: error.message,
      envelopeId: envelope?.envelope_id,
      from: envelope?.from.fingerprint,
      transport: inbound.transport,
      source: inbound.source,
      quarantineId,
    });
    await inbound.commit();
    return { status: 'rejected', error, quarantineId };
  }

  function duplicateOutcome(envelopeId: string, senderFingerprint: string, documentSha256: string, type: string, transport: string): ReceiveOutcome {
    const error = new RejectionError(ErrorCode.Replay, `envelope ${envelopeId} from ${senderFingerprint} was already accepted`, {
      field: 'envelope_id',
    });
    logger.info('duplicate envelope', { code: error.code, envelopeId, from: senderFingerprint, transport });
    return { status: 'duplicate', envelopeId, error, senderFingerprint, documentSha256, type };
  }

  /** Saving received files stays one at a time: two envelopes may carry one transfer. */
  async function prepare(
    prepareForInbox: NonNullable<ReceivePipelineOptions['prepareForInbox']>,
    message: VerifiedMessage,
    inbound: InboundEnvelope,
  ): Promise<VerifiedMessage> {
    const release = await preparing.acquire();
    try {
      return await prepareForInbox(message, inbound);
    } finally {
      release();
    }
  }

  async function runHandler(handler: CommandHandler, message: VerifiedMessage, verb: string): Promise<void> {
    // Handlers never overlap, as when everything after the replay check ran one envelope at a time.
    const release = await handling.acquire();
    try {
      await handler(message, { verb });
    } catch (error) {
      // The command was accepted and stored; its handler failing is the application's to report.
      logger.error('command handler failed', { envelopeId: message.envelopeId, verb, error: describeError(error) });
    } finally {
      release();
    }
  }

  // Two copies of one envelope must not both pass the replay check: the stateful tail is serialized per envelope.
  const serial = createKeyedMutex();
  const handling = createMutex(1);
  const preparing = createMutex(1);
  const slots = createMutex(MAX_CONCURRENT_VERIFICATIONS);
  return {
    async process(inbound) {
      const release = await slots.acquire();
      try {
        return await processOne(inbound);
      } finally {
        release();
      }
    },
  };
}

/** Envelopes verified at once: enough to overlap crypto with disk waits, bounded for memory. */
const MAX_CONCURRENT_VERIFICATIONS = 8;

/** A counting semaphore: `acquire` resolves with the release function. */
function createMutex(capacity: number): { acquire(): Promise<() => void> } {
  let free = capacity;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    acquire() {
      if (free > 0) {
        free--;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => waiting.push(() => resolve(once(release))));
    },
  };
}

/** One holder per key at a time; different keys do not wait for each other. */
function createKeyedMutex(): { acquire(key: string): Promise<() => void> } {
  const tails = new Map<string, Promise<void>>();
  return {
    async acquire(key) {
      const previous = tails.get(key);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const tail = (previous ?? Promise.resolve()).then(() => held);
      tails.set(key, tail);
      await previous;
      return once(() => {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      });
    },
  };
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      action();
    }
  };
}
/** Storage failures are the host's problem, not the envelope's: they propagate. Matched by name across installs. */
function isStorageError(error: unknown): boolean {
  return SkcommError.is(error) && error.name === 'StorageError';
}
