import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  describeAttempts
} from "./chunk-3B3APPRY.js";
import {
  readInput
} from "./chunk-2L5P24RB.js";
import {
  UsageError
} from "./chunk-FNB4SA6O.js";
import "./chunk-N43RZNLB.js";

// dist/commands/send.js
async function send(context, text, options) {
  if (text === void 0)
    throw new UsageError("nothing to send: give TEXT, or - to read it from stdin");
  const body = text === "-" ? await readInput("-") : text;
  const ttlSeconds = options.ttl === void 0 ? void 0 : Number(options.ttl);
  if (ttlSeconds !== void 0 && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
    throw new UsageError(`--ttl must be a positive number of seconds, got "${options.ttl}"`);
  }
  const waitSeconds = options.wait === void 0 ? void 0 : Number(options.wait);
  if (waitSeconds !== void 0 && (!Number.isFinite(waitSeconds) || waitSeconds <= 0)) {
    throw new UsageError(`--wait must be a positive number of seconds, got "${options.wait}"`);
  }
  const agent = await context.agent();
  const { report } = await agent.send(options.to, {
    body,
    type: options.type,
    urgency: options.urgency,
    contentType: options.contentType,
    ...options.thread === void 0 ? {} : { threadId: options.thread },
    ...options.replyTo === void 0 ? {} : { inReplyTo: options.replyTo },
    ...ttlSeconds === void 0 ? {} : { ttlSeconds }
  }, { mode: options.mode, security: options.open ? "open" : "secured", ...waitSeconds === void 0 ? {} : { waitMs: waitSeconds * 1e3 } });
  const sealed = options.open ? "signed, NOT encrypted" : "signed and encrypted";
  context.print(report, () => {
    const attempts = describeAttempts(report.attempts);
    if (report.state === "delivered")
      return `Delivered ${report.envelope_id} to ${options.to} (${sealed}; ${report.reason})
${attempts}`;
    if (report.state === "handed-off") {
      const waited = waitSeconds === void 0 ? "" : `; no ack within ${waitSeconds} s, the outbox keeps retrying`;
      return `Handed off ${report.envelope_id} to ${options.to} via ${report.transport} (${sealed}; not yet acked${waited})
${attempts}`;
    }
    return attempts;
  });
  if (report.state === "queued" || report.state === "dead" || report.state === "expired") {
    const reasons = report.attempts.map((attempt) => `${attempt.transport}: ${attempt.error?.message ?? attempt.detail ?? attempt.outcome}`);
    const outcome = report.state === "queued" ? `kept in the outbox, next attempt ${report.next_attempt_at} (skcomm daemon retries it)` : `${report.state}: ${report.reason ?? "no reason recorded"}`;
    throw Object.assign(new Error(`not sent, every transport failed (${reasons.join("; ") || "no transport configured"}); ${outcome}`), {
      code: "E_ALL_TRANSPORTS_FAILED",
      reported: true
    });
  }
  if (waitSeconds !== void 0 && report.state !== "delivered") {
    throw Object.assign(new Error(`no ack from ${options.to} within ${waitSeconds} s; handed off, kept in the outbox`), { code: "E_NOT_ACKED", reported: true });
  }
}
export {
  send as default
};
