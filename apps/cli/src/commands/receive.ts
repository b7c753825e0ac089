import type { VerifiedMessage } from '@skcomm/core';
import { type Agent, receivedFileOf, type Rejection } from '@skcomm/core/agent';
import { setTimeout as delay } from 'node:timers/promises';
import type { CliContext } from '../context.js';
import { receivedFileLine } from '../file-display.js';

interface ReceiveOptions {
  watch?: boolean;
  peek?: boolean;
  interval: string;
}

export default async function receive(context: CliContext, options: ReceiveOptions): Promise<void> {
  const agent = await context.agent();
  const intervalMs = Math.max(100, Number(options.interval) || 1000);
  if (!options.watch) {
    const messages = await pollOnce(context, agent, options.peek === true);
    if (context.json) context.out.write(`${JSON.stringify(messages.map(toJson), null, 2)}\n`);
    else context.out.write(messages.length === 0 ? 'No new messages.\n' : messages.map(toText).join('\n'));
    return;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!context.json) context.err.write(`Watching for messages every ${intervalMs} ms (Ctrl-C to stop)\n`);
    while (!stop.signal.aborted) {
      for (const message of await pollOnce(context, agent, options.peek === true)) {
        context.out.write(context.json ? `${JSON.stringify(toJson(message))}\n` : toText(message));
      }
      await sleep(intervalMs, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function pollOnce(context: CliContext, agent: Agent, peek: boolean): Promise<VerifiedMessage[]> {
  const result = await agent.receive();
  reportRejections(context, result.rejected);
  const unread = await agent.unread();
  if (!peek) await agent.markRead(unread.map((message) => message.envelopeId));
  return unread;
}

function reportRejections(context: CliContext, rejected: Rejection[]): void {
  if (rejected.length === 0) return;
  const reasons = rejected.map((entry) => `${entry.code} via ${entry.transport}: ${entry.message}`);
  context.err.write(`skcomm: rejected ${rejected.length} envelope(s), kept in quarantine:\n  ${reasons.join('\n  ')}\n`);
}

function toJson(message: VerifiedMessage) {
  const file = receivedFileOf(message);
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
    encrypted: message.mode === 'secured',
    trust: message.trust,
    transport: message.transport,
    received_at: message.receivedAt.toISOString(),
    ...(file === undefined ? {} : { file }),
  };
}

function toText(message: VerifiedMessage): string {
  const lock = message.mode === 'secured' ? 'signed+encrypted' : 'signed, sent in the clear';
  return [
    `From ${message.from.name} (${message.from.fingerprint.slice(-16)}) via ${message.transport}, ${message.createdAt.toISOString()} [${lock}, signature verified]`,
    `  id ${message.envelopeId}${message.threadId ? ` thread ${message.threadId}` : ''}${message.inReplyTo ? ` reply-to ${message.inReplyTo}` : ''}${message.type === 'message' ? '' : ` type ${message.type}`}`,
    // A received file is on disk; its message says where, not what is in it.
    ...(receivedFileLine(message) ?? message.body).split('\n').map((line) => `  ${line}`),
    '',
  ].join('\n');
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {});
}
