import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/commands/receive.js
import { setTimeout as delay } from "node:timers/promises";
async function receive(context, options) {
  const agent = await context.agent();
  const intervalMs = Math.max(100, Number(options.interval) || 1e3);
  if (!options.watch) {
    const messages = await pollOnce(context, agent, options.peek === true);
    if (context.json)
      context.out.write(`${JSON.stringify(messages.map(toJson), null, 2)}
`);
    else
      context.out.write(messages.length === 0 ? "No new messages.\n" : messages.map(toText).join("\n"));
    return;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    if (!context.json)
      context.err.write(`Watching for messages every ${intervalMs} ms (Ctrl-C to stop)
`);
    while (!stop.signal.aborted) {
      for (const message of await pollOnce(context, agent, options.peek === true)) {
        context.out.write(context.json ? `${JSON.stringify(toJson(message))}
` : toText(message));
      }
      await sleep(intervalMs, stop.signal);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
async function pollOnce(context, agent, peek) {
  const result = await agent.receive();
  reportRejections(context, result.rejected);
  const unread = await agent.unread();
  if (!peek)
    await agent.markRead(unread.map((message) => message.envelopeId));
  return unread;
}
function reportRejections(context, rejected) {
  if (rejected.length === 0)
    return;
  const reasons = rejected.map((entry) => `${entry.code} via ${entry.transport}: ${entry.message}`);
  context.err.write(`skcomm: rejected ${rejected.length} envelope(s), kept in quarantine:
  ${reasons.join("\n  ")}
`);
}
function toJson(message) {
  return {
    envelope_id: message.envelopeId,
    from: { name: message.from.name, fingerprint: message.from.fingerprint },
    type: message.type,
    content: message.body,
    content_type: message.contentType,
    urgency: message.urgency,
    thread_id: message.threadId,
    in_reply_to: message.inReplyTo,
    created_at: message.createdAt.toISOString(),
    verified: true,
    encrypted: message.mode === "secured",
    trust: message.trust,
    transport: message.transport,
    received_at: message.receivedAt.toISOString()
  };
}
function toText(message) {
  const lock = message.mode === "secured" ? "signed+encrypted" : "signed, sent in the clear";
  return [
    `From ${message.from.name} (${message.from.fingerprint.slice(-16)}) via ${message.transport}, ${message.createdAt.toISOString()} [${lock}, signature verified]`,
    `  id ${message.envelopeId}${message.threadId ? ` thread ${message.threadId}` : ""}${message.inReplyTo ? ` reply-to ${message.inReplyTo}` : ""}${message.type === "message" ? "" : ` type ${message.type}`}`,
    ...message.body.split("\n").map((line) => `  ${line}`),
    ""
  ].join("\n");
}
async function sleep(ms, signal) {
  await delay(ms, void 0, { signal }).catch(() => {
  });
}
export {
  receive as default
};
