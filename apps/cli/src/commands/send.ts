import type { Urgency } from '@skcomm/core';
import type { RouteMode } from '@skcomm/core/agent';
import type { CliContext } from '../context.js';
import { readInput } from '../input.js';
import { describeAttempts } from '../report.js';
import { UsageError } from '../run.js';

interface SendOptions {
  to: string;
  mode: RouteMode;
  type: string;
  urgency: Urgency;
  thread?: string;
  replyTo?: string;
  contentType: string;
  ttl?: string;
  open?: boolean;
  wait?: string;
}

export default async function send(context: CliContext, text: string | undefined, options: SendOptions): Promise<void> {
  if (text === undefined) throw new UsageError('nothing to send: give TEXT, or - to read it from stdin');
  const body = text === '-' ? await readInput('-') : text;
  const ttlSeconds = options.ttl === undefined ? undefined : Number(options.ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
    throw new UsageError(`--ttl must be a positive number of seconds, got "${options.ttl}"`);
  }
  const waitSeconds = options.wait === undefined ? undefined : Number(options.wait);
  if (waitSeconds !== undefined && (!Number.isFinite(waitSeconds) || waitSeconds <= 0)) {
    throw new UsageError(`--wait must be a positive number of seconds, got "${options.wait}"`);
  }
  const agent = await context.agent();
  const { report } = await agent.send(
    options.to,
    {
      body,
      type: options.type,
      urgency: options.urgency,
      contentType: options.contentType,
      ...(options.thread === undefined ? {} : { threadId: options.thread }),
      ...(options.replyTo === undefined ? {} : { inReplyTo: options.replyTo }),
      ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    },
    { mode: options.mode, security: options.open ? 'open' : 'secured', ...(waitSeconds === undefined ? {} : { waitMs: waitSeconds * 1000 }) },
  );
  const sealed = options.open ? 'signed, NOT encrypted' : 'signed and encrypted';
  context.print(report, () => {
    const attempts = describeAttempts(report.attempts);
    if (report.state === 'delivered') return `Delivered ${report.envelope_id} to ${options.to} (${sealed}; ${report.reason})\n${attempts}`;
    if (report.state === 'handed-off') {
      const waited = waitSeconds === undefined ? '' : `; no ack within ${waitSeconds} s, the outbox keeps retrying`;
      return `Handed off ${report.envelope_id} to ${options.to} via ${report.transport} (${sealed}; not yet acked${waited})\n${attempts}`;
    }
    return attempts;
  });
  if (report.state === 'queued' || report.state === 'dead' || report.state === 'expired') {
    const reasons = report.attempts.map((attempt) => `${attempt.transport}: ${attempt.error?.message ?? attempt.detail ?? attempt.outcome}`);
    const outcome =
      report.state === 'queued'
        ? `kept in the outbox, next attempt ${report.next_attempt_at} (skcomm daemon retries it)`
        : `${report.state}: ${report.reason ?? 'no reason recorded'}`;
    throw Object.assign(new Error(`not sent, every transport failed (${reasons.join('; ') || 'no transport configured'}); ${outcome}`), {
      code: 'E_ALL_TRANSPORTS_FAILED',
      reported: true,
    });
  }
  if (waitSeconds !== undefined && report.state !== 'delivered') {
    throw Object.assign(new Error(`no ack from ${options.to} within ${waitSeconds} s; handed off, kept in the outbox`), { code: 'E_NOT_ACKED', reported: true });
  }
}
