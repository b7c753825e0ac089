import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  table
} from "./chunk-34WUPVIN.js";

// dist/commands/outbox.js
async function list(context) {
  const outbox = await (await context.agent()).outbox();
  const entries = outbox.list();
  context.print({ ok: true, depth: outbox.depthByState(), messages: entries.map(toJson) }, () => entries.length === 0 ? "The outbox is empty." : table(["ENVELOPE", "TO", "STATE", "ROUNDS", "NEXT ATTEMPT / REASON"], entries.map((entry) => [
    entry.envelopeId,
    entry.peer,
    entry.state,
    String(entry.rounds),
    entry.state === "queued" || entry.state === "handed-off" ? entry.nextAttemptAt : entry.reason ?? ""
  ])));
}
async function show(context, envelopeId) {
  const entry = (await (await context.agent()).outbox()).get(envelopeId);
  if (entry === void 0)
    throw Object.assign(new Error(`no envelope ${envelopeId} in the outbox`), { code: "E_NOT_FOUND" });
  context.print({ ok: true, message: toJson(entry) }, () => explain(entry));
}
async function retry(context, envelopeId) {
  const agent = await context.agent();
  const outbox = await agent.outbox();
  const ids = envelopeId !== void 0 ? [envelopeId] : outbox.list().filter((entry) => entry.state !== "delivered" && entry.state !== "read").map((entry) => entry.envelopeId);
  const reports = [];
  for (const id of ids)
    reports.push(await agent.retryNow(id));
  context.print({ ok: true, retried: reports }, () => reports.length === 0 ? "Nothing to retry." : reports.map((report) => `${report.envelope_id}: ${report.state}${report.reason ? ` (${report.reason})` : ""}`).join("\n"));
}
async function purge(context, envelopeId) {
  const outbox = await (await context.agent()).outbox();
  const ids = envelopeId !== void 0 ? [envelopeId] : outbox.list().filter((entry) => entry.state === "dead" || entry.state === "expired").map((entry) => entry.envelopeId);
  for (const id of ids)
    await outbox.purge(id);
  context.print({ ok: true, purged: ids }, ids.length === 0 ? "Nothing to purge." : `Purged ${ids.length} message(s): ${ids.join(", ")}`);
}
function toJson(entry) {
  return {
    envelope_id: entry.envelopeId,
    to: entry.peer,
    to_fingerprint: entry.recipientFingerprint,
    state: entry.state,
    state_at: entry.stateAt,
    reason: entry.reason ?? null,
    via: entry.via ?? null,
    mode: entry.mode,
    created_at: entry.createdAt,
    enqueued_at: entry.enqueuedAt,
    rounds: entry.rounds,
    retry_count: entry.retryCount,
    max_retries: entry.maxRetries,
    next_attempt_at: entry.state === "queued" || entry.state === "handed-off" ? entry.nextAttemptAt : null,
    transports: entry.transports
  };
}
function explain(entry) {
  const lines = [`${entry.envelopeId} to ${entry.peer}: ${entry.state} since ${entry.stateAt}${entry.reason ? ` (${entry.reason})` : ""}`];
  lines.push(`  queued ${entry.enqueuedAt}, ${entry.rounds} routing round(s), ${entry.retryCount}/${entry.maxRetries} retries used, mode ${entry.mode}`);
  for (const [name, state] of Object.entries(entry.transports)) {
    const why = state.error ? `: ${state.error.message}` : state.detail ? ` at ${state.detail}` : "";
    lines.push(`  ${name} ${state.outcome}${why} (last ${state.at}, ${state.attempts} attempt(s))`);
  }
  if (entry.state === "queued" || entry.state === "handed-off")
    lines.push(`  next attempt ${entry.nextAttemptAt}`);
  return lines.join("\n");
}

export {
  list,
  show,
  retry,
  purge
};
