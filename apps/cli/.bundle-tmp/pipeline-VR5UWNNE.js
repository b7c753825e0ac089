import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  silentLogger
} from "./chunk-JURT7EM5.js";
import {
  brandVerified,
  trustAtLeast
} from "./chunk-OVD7XGGP.js";
import {
  ACK_PAYLOAD_TYPE,
  DEFAULT_MAX_ENVELOPE_BYTES,
  EnvelopeError,
  ErrorCode,
  RejectionError,
  SkcommError,
  describeError,
  openEnvelope,
  parseEnvelope,
  parseStrictJson
} from "./chunk-GFALYBZX.js";
import "./chunk-N43RZNLB.js";

// ../../packages/core/dist/receive/command.js
var COMMAND_TYPE = "command";
var COMMAND_VERB_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
function commandVerb(body) {
  let parsed;
  try {
    parsed = parseStrictJson(body, "command body");
  } catch (cause) {
    throw new RejectionError(ErrorCode.TrustDenied, "command body is not a JSON object with a verb", { cause, field: "document.body" });
  }
  const verb = typeof parsed === "object" && parsed !== null ? parsed.verb : void 0;
  if (typeof verb !== "string" || !COMMAND_VERB_PATTERN.test(verb)) {
    throw new RejectionError(ErrorCode.TrustDenied, "command body has no valid verb", { field: "document.body" });
  }
  return verb;
}

// ../../packages/core/dist/receive/pipeline.js
var MAX_CLOCK_SKEW_MS = 5 * 60 * 1e3;
function createReceivePipeline(options) {
  const { self, peers, replay, quarantine, inbox } = options;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const logger = options.logger ?? silentLogger;
  const maxEnvelopeBytes = Math.min(options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_ENVELOPE_BYTES);
  const handlers = options.commandHandlers ?? /* @__PURE__ */ new Map();
  async function verify(inbound, enterSerial) {
    let envelope;
    try {
      const size = inbound.bytes.byteLength;
      if (size > maxEnvelopeBytes) {
        throw new EnvelopeError(ErrorCode.EnvelopeTooLarge, `envelope is ${size} bytes, over the ${maxEnvelopeBytes}-byte limit`, {
          field: "(bytes)"
        });
      }
      envelope = parseEnvelope(inbound.bytes, { maxBytes: maxEnvelopeBytes });
      const peer = await peers.findByFingerprint(envelope.from.fingerprint);
      if (peer === void 0) {
        throw new RejectionError(ErrorCode.UnknownSender, `no peer holds the key ${envelope.from.fingerprint}`, { field: "from.fingerprint" });
      }
      if (peer.record.revoked) {
        throw new RejectionError(ErrorCode.KeyRevoked, `peer ${peer.record.name} was revoked at ${peer.record.revoked_at ?? "an unknown time"}`, {
          field: "from.fingerprint"
        });
      }
      const opened = await openEnvelope(envelope, { self, senderKey: peer.key });
      const { document } = opened;
      const nowMs = now().getTime();
      const createdAtMs = Date.parse(document.created_at);
      if (createdAtMs > nowMs + MAX_CLOCK_SKEW_MS) {
        throw new RejectionError(ErrorCode.FromFuture, `created ${document.created_at}, more than 5 minutes ahead of this clock`, {
          field: "document.created_at"
        });
      }
      if (nowMs > createdAtMs + document.ttl_seconds * 1e3) {
        throw new RejectionError(ErrorCode.Expired, `created ${document.created_at} with a ttl of ${document.ttl_seconds} s: expired`, {
          field: "document.ttl_seconds"
        });
      }
      await enterSerial();
      if (await replay.has(document.from.fingerprint, document.envelope_id, new Date(createdAtMs))) {
        return {
          kind: "duplicate",
          envelopeId: document.envelope_id,
          senderFingerprint: document.from.fingerprint,
          documentSha256: opened.documentSha256,
          type: document.type
        };
      }
      let command;
      if (document.type === COMMAND_TYPE) {
        if (!trustAtLeast(peer.record.trust, "trusted")) {
          throw new RejectionError(ErrorCode.TrustDenied, `peer ${peer.record.name} is ${peer.record.trust}; commands need trusted`, {
            field: "payload.type"
          });
        }
        const verb = commandVerb(document.body);
        const handler = handlers.get(verb);
        if (handler === void 0) {
          throw new RejectionError(ErrorCode.TrustDenied, `no handler is registered for the command "${verb}"`, { field: "document.body" });
        }
        command = { verb, handler };
      }
      const message = brandVerified(document, {
        mode: opened.mode,
        trust: peer.record.trust,
        transport: inbound.transport,
        receivedAt: inbound.receivedAt,
        documentSha256: opened.documentSha256
      });
      const expiresAt = new Date(createdAtMs + document.ttl_seconds * 1e3 + MAX_CLOCK_SKEW_MS);
      if (document.type === ACK_PAYLOAD_TYPE && options.onAck !== void 0) {
        await options.onAck(message);
        return { kind: "ack", message, expiresAt };
      }
      return { kind: "accept", message, expiresAt, command };
    } catch (error) {
      if (isStorageError(error))
        throw error;
      if (SkcommError.is(error))
        return { kind: "reject", error, envelope };
      logger.error("unexpected error while verifying an envelope", { transport: inbound.transport, error: describeError(error) });
      return {
        kind: "reject",
        error: new RejectionError(ErrorCode.CryptoFailed, `unexpected error while verifying: ${describeError(error)}`, { cause: error }),
        envelope
      };
    }
  }
  async function processOne(inbound) {
    let release;
    try {
      return await decide(inbound, await verify(inbound, async () => void (release = await serial.acquire())));
    } finally {
      release?.();
    }
  }
  async function decide(inbound, verdict) {
    if (verdict.kind === "ack") {
      const { message } = verdict;
      await replay.add(message.from.fingerprint, message.envelopeId, verdict.expiresAt, message.createdAt);
      await inbound.commit();
      logger.debug("ack accepted", { envelopeId: message.envelopeId, from: message.from.fingerprint, transport: inbound.transport });
      return { status: "ack", message };
    }
    if (verdict.kind === "accept") {
      const { message } = verdict;
      const stored = await inbox.append(message);
      await replay.add(message.from.fingerprint, message.envelopeId, verdict.expiresAt, message.createdAt);
      await inbound.commit();
      if (!stored)
        return duplicateOutcome(message.envelopeId, message.from.fingerprint, message.documentSha256, message.type, inbound.transport);
      logger.info("envelope accepted", {
        envelopeId: message.envelopeId,
        from: message.from.fingerprint,
        type: message.type,
        mode: message.mode,
        transport: inbound.transport
      });
      if (verdict.command !== void 0)
        await runHandler(verdict.command.handler, message, verdict.command.verb);
      return { status: "accepted", message };
    }
    if (verdict.kind === "duplicate") {
      await inbound.commit();
      return duplicateOutcome(verdict.envelopeId, verdict.senderFingerprint, verdict.documentSha256, verdict.type, inbound.transport);
    }
    const { error, envelope } = verdict;
    const tooLarge = inbound.bytes.byteLength > maxEnvelopeBytes;
    const quarantineId = await quarantine.put(tooLarge ? inbound.bytes.subarray(0, maxEnvelopeBytes) : inbound.bytes, {
      code: error.code,
      message: error.message,
      ...error.field === void 0 ? {} : { field: error.field },
      transport: inbound.transport,
      ...inbound.source === void 0 ? {} : { source: inbound.source },
      at: now(),
      ...tooLarge ? { originalSize: inbound.bytes.byteLength } : {}
    });
    logger.warn("envelope rejected", {
      code: error.code,
      field: error.field,
      reason: error.message,
      envelopeId: envelope?.envelope_id,
      from: envelope?.from.fingerprint,
      transport: inbound.transport,
      source: inbound.source,
      quarantineId
    });
    await inbound.commit();
    return { status: "rejected", error, quarantineId };
  }
  function duplicateOutcome(envelopeId, senderFingerprint, documentSha256, type, transport) {
    const error = new RejectionError(ErrorCode.Replay, `envelope ${envelopeId} from ${senderFingerprint} was already accepted`, {
      field: "envelope_id"
    });
    logger.info("duplicate envelope", { code: error.code, envelopeId, from: senderFingerprint, transport });
    return { status: "duplicate", envelopeId, error, senderFingerprint, documentSha256, type };
  }
  async function runHandler(handler, message, verb) {
    try {
      await handler(message, { verb });
    } catch (error) {
      logger.error("command handler failed", { envelopeId: message.envelopeId, verb, error: describeError(error) });
    }
  }
  const serial = createMutex();
  const slots = createMutex(MAX_CONCURRENT_VERIFICATIONS);
  return {
    async process(inbound) {
      const release = await slots.acquire();
      try {
        return await processOne(inbound);
      } finally {
        release();
      }
    }
  };
}
var MAX_CONCURRENT_VERIFICATIONS = 8;
function createMutex(capacity = 1) {
  let free = capacity;
  const waiting = [];
  const release = () => {
    const next = waiting.shift();
    if (next)
      next();
    else
      free++;
  };
  return {
    acquire() {
      if (free > 0) {
        free--;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => waiting.push(() => resolve(once(release))));
    }
  };
}
function once(action) {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      action();
    }
  };
}
function isStorageError(error) {
  return SkcommError.is(error) && error.name === "StorageError";
}
export {
  MAX_CLOCK_SKEW_MS,
  createReceivePipeline
};
