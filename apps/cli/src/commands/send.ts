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
}

export default async function send(context: CliContext, text: string | undefined, options: SendOptions): Promise<void> {
  if (text === undefined) throw new UsageError('nothing to send: give TEXT, or - to read it from stdin');
  const body = text === '-' ? await readInput('-') : text;
  const ttlSeconds = options.ttl === undefined ? undefined : Number(options.ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
    throw new UsageError(`--ttl must be a positive number of seconds, got "${options.ttl}"`);
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
    { mode: options.mode, security: options.open ? 'open' : 'secured' },
  );
  context.print(report, () =>
    report.state === 'handed-off'
      ? `Handed off ${report.envelope_id} to ${options.to} via ${report.transport} (${options.open ? 'signed, NOT encrypted' : 'signed and encrypted'})\n${describeAttempts(report.attempts)}`
      : describeAttempts(report.attempts),
  );
  if (report.state !== 'handed-off') {
    const reasons = report.attempts.map((attempt) => `${attempt.transport}: ${attempt.error?.message ?? attempt.detail ?? attempt.outcome}`);
    throw Object.assign(new Error(`not sent, every transport failed (${reasons.join('; ') || 'no transport configured'})`), {
      code: 'E_ALL_TRANSPORTS_FAILED',
      reported: true,
    });
  }
}
