import { basename } from 'node:path';
import type { Urgency } from '@skcomm/core';
import type { RouteMode, SendReport } from '@skcomm/core/agent';
import type { CliContext } from '../context.js';
import { formatBytes, ProgressLine } from '../file-display.js';
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
  file?: string;
  name?: string;
}

export default async function send(context: CliContext, text: string | undefined, options: SendOptions): Promise<void> {
  if (options.file !== undefined) return sendFile(context, text, { ...options, file: options.file });
  if (options.name !== undefined) throw new UsageError('--name names a file: use it with --file');
  if (text === undefined) throw new UsageError('nothing to send: give TEXT, or - to read it from stdin');
  const body = text === '-' ? await readInput('-') : text;
  const ttlSeconds = options.ttl === undefined ? undefined : Number(options.ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
    throw new UsageError(`--ttl must be a positive number of seconds, got "${options.ttl}"`);
  }
  const waitSeconds = parseWait(options.wait);
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
  failUnlessSent(report, options.to, waitSeconds);
}

/**
 * `send --file PATH`: inline up to 256 KiB, else streamed (resumable: the same command
 * again continues a cut transfer). On a terminal, progress goes to stderr on one line.
 */
async function sendFile(context: CliContext, text: string | undefined, options: SendOptions & { file: string }): Promise<void> {
  if (text !== undefined) throw new UsageError('give either TEXT or --file, not both');
  if (options.open) throw new UsageError('--open does not apply to files: a file is always sent signed and encrypted');
  const waitSeconds = parseWait(options.wait);
  const agent = await context.agent();
  const progress = !context.json && (context.err as NodeJS.WriteStream).isTTY === true ? new ProgressLine(context.err, basename(options.file)) : undefined;
  let report;
  try {
    report = await agent.sendFile(options.to, options.file, {
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(waitSeconds === undefined ? {} : { waitMs: waitSeconds * 1000 }),
      ...(progress === undefined ? {} : { onProgress: (phase, done, total) => progress.update(phase, done, total) }),
    });
  } finally {
    progress?.finish();
  }
  const { file } = report;
  context.print(report, () => {
    const what = `file ${file.name} (${formatBytes(file.size)}, ${file.method === 'inline' ? 'inline' : `streamed${file.resumed ? ', resumed' : ''}`})`;
    const attempts = describeAttempts(report.attempts);
    if (report.state === 'delivered') return `Delivered ${what} to ${options.to} (${report.reason ?? 'acked'})\n${attempts}`;
    if (report.state === 'handed-off') {
      const waited = waitSeconds === undefined ? '' : `; no ack within ${waitSeconds} s`;
      return `Handed off ${what} to ${options.to} via ${report.transport} (signed and encrypted; not yet acked${waited})\n${attempts}`;
    }
    return attempts;
  });
  failUnlessSent(report, options.to, waitSeconds);
}

function parseWait(wait: string | undefined): number | undefined {
  const waitSeconds = wait === undefined ? undefined : Number(wait);
  if (waitSeconds !== undefined && (!Number.isFinite(waitSeconds) || waitSeconds <= 0)) {
    throw new UsageError(`--wait must be a positive number of seconds, got "${wait}"`);
  }
  return waitSeconds;
}

/** A report that is not a hand-off (or not an ack when one was awaited) is a failure, after the report was printed. */
function failUnlessSent(report: SendReport, to: string, waitSeconds: number | undefined): void {
  if (report.state === 'queued' || report.state === 'dead' || report.state === 'expired') {
    const reasons = report.attempts.map((attempt) => `${attempt.transport}: ${attempt.error?.message ?? attempt.detail ?? attempt.outcome}`);
    const outcome =
      report.state === 'queued' && report.next_attempt_at !== undefined
        ? `kept in the outbox, next attempt ${report.next_attempt_at} (skcomm daemon retries it)`
        : `${report.state}: ${report.reason ?? 'no reason recorded'}`;
    throw Object.assign(new Error(`not sent, every transport failed (${reasons.join('; ') || 'no transport configured'}); ${outcome}`), {
      code: 'E_ALL_TRANSPORTS_FAILED',
      reported: true,
    });
  }
  if (waitSeconds !== undefined && report.state !== 'delivered') {
    throw Object.assign(new Error(`no ack from ${to} within ${waitSeconds} s; handed off, kept in the outbox`), { code: 'E_NOT_ACKED', reported: true });
  }
}
