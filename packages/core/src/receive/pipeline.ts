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
import { openEnvelope } from '../crypto/index.js';
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
  /** Already accepted from this sender: not delivered again. `error` is the E_REPLAY it would be. */
  | { status: 'duplicate'; envelopeId: string; error: RejectionError }
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
  /** Verb -> handler. A `command` runs only from a peer trusted >= `trusted` with a handler here. */
  commandHandlers?: ReadonlyMap<string, CommandHandler>;
}

export interface ReceivePipeline {
  /** Verifies, stores and commits one inbound envelope. Calls are serialized. */
  process(inbound: InboundEnvelope): Promise<ReceiveOutcome>;
}

type Verdict =
  | { kind: 'accept'; message: VerifiedMessage; expiresAt: Date; command: { verb: string; handler: CommandHandler } | undefined }
  | { kind: 'duplicate'; envelopeId: string; senderFingerprint: string }
  | { kind: 'reject'; error: SkcommError; envelope: Envelope | undefined };

export function createReceivePipeline(options: ReceivePipelineOptions): ReceivePipeline {
  const { self, peers, replay, quarantine, inbox } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const maxEnvelopeBytes = Math.min(options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_ENVELOPE_BYTES);
  const handlers = options.commandHandlers ?? new Map<string, CommandHandler>();

  async function verify(inbound: InboundEnvelope): Promise<Verdict> {
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

      if (await replay.has(document.from.fingerprint, document.envelope_id)) {
        return { kind: 'duplicate', envelopeId: document.envelope_id, senderFingerprint: document.from.fingerprint };
      }

      let command: { verb: string; handler: CommandHandler } | undefined;
      if (document.type === COMMAND_TYPE) {
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
      return { kind: 'accept', message, expiresAt, command };
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
    const verdict = await verify(inbound);
    if (verdict.kind === 'accept') {
      const { message } = verdict;
      await inbox.append(message);
      await replay.add(message.from.fingerprint, message.envelopeId, verdict.expiresAt);
      await inbound.commit();
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
      const error = new RejectionError(ErrorCode.Replay, `envelope ${verdict.envelopeId} from ${verdict.senderFingerprint} was already accepted`, {
        field: 'envelope_id',
      });
      logger.info('duplicate envelope', { code: error.code, envelopeId: verdict.envelopeId, from: verdict.senderFingerprint, transport: inbound.transport });
      return { status: 'duplicate', envelopeId: verdict.envelopeId, error };
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

  async function runHandler(handler: CommandHandler, message: VerifiedMessage, verb: string): Promise<void> {
    try {
      await handler(message, { verb });
    } catch (error) {
      // The command was accepted and stored; its handler failing is the application's to report.
      logger.error('command handler failed', { envelopeId: message.envelopeId, verb, error: describeError(error) });
    }
  }

  // One envelope at a time: two copies of one envelope must not both pass the replay check.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    process(inbound) {
      const result = queue.then(() => processOne(inbound));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

/** Storage failures are the host's problem, not the envelope's: they propagate. Matched by name across installs. */
function isStorageError(error: unknown): boolean {
  return SkcommError.is(error) && error.name === 'StorageError';
}
