/**
 * `skcomm outbox list | show ID | retry [ID] | purge [ID] [--files]`: what is waiting, and
 * why. Streamed file transfers are not outbox messages but wait for an ack the same way:
 * every subcommand takes them too, by transfer id or by the file's envelope id.
 */
import type { Agent, FileRetryReport, OutboxEntry, SendReport } from '@skcomm/core/agent';
import type { CliContext } from '../context.js';
import { describeFileRetry, explainFileTransfer, fileProgress, fileTable } from './outbox-files.js';
import { table } from '../table.js';

export async function list(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const outbox = await agent.outbox();
  const entries = outbox.list();
  const files = await agent.fileTransfers();
  context.print({ ok: true, depth: outbox.depthByState(), messages: entries.map(toJson), files }, () => {
    if (entries.length === 0 && files.length === 0) return 'The outbox is empty.';
    const parts: string[] = [];
    if (entries.length > 0) {
      parts.push(
        table(
          ['ENVELOPE', 'TO', 'STATE', 'ROUNDS', 'NEXT ATTEMPT / REASON'],
          entries.map((entry) => [
            entry.envelopeId,
            entry.peer,
            entry.state,
            String(entry.rounds),
            entry.state === 'queued' || entry.state === 'handed-off' ? entry.nextAttemptAt : (entry.reason ?? ''),
          ]),
        ),
      );
    }
    if (files.length > 0) parts.push(`File transfers:\n${fileTable(files)}`);
    return parts.join('\n\n');
  });
}

/** A message by envelope id, else a file transfer by transfer or envelope id. */
export async function show(context: CliContext, id: string): Promise<void> {
  const agent = await context.agent();
  const entry = (await agent.outbox()).get(id);
  if (entry !== undefined) return context.print({ ok: true, message: toJson(entry) }, () => explain(entry));
  const file = await agent.fileTransfer(id);
  if (file === undefined) throw Object.assign(new Error(`no envelope ${id} in the outbox`), { code: 'E_NOT_FOUND' });
  context.print({ ok: true, file }, () => explainFileTransfer(file));
}

/**
 * With an ID: that message, or that file transfer resumed now (whatever its next attempt).
 * Without: every undelivered message, then every file transfer that is due, as the
 * daemon's pass takes them (one another process is sending is left to it).
 */
export async function retry(context: CliContext, id: string | undefined): Promise<void> {
  const agent = await context.agent();
  const outbox = await agent.outbox();
  const reports: SendReport[] = [];
  const files: FileRetryReport[] = [];
  if (id !== undefined) {
    const file = outbox.get(id) === undefined ? await retryFile(context, agent, id) : undefined;
    // Neither a transfer nor a message: retryNow says so in its own words.
    if (file === undefined) reports.push(await agent.retryNow(id));
    else files.push(file);
  } else {
    const undelivered = outbox.list().filter((entry) => entry.state !== 'delivered' && entry.state !== 'read');
    for (const entry of undelivered) reports.push(await agent.retryNow(entry.envelopeId));
    const progress = fileProgress(context);
    try {
      files.push(...(await agent.resumeFileTransfers(undefined, progress.onProgress ? { onProgress: progress.onProgress } : {})).transfers);
    } finally {
      progress.finish();
    }
  }
  context.print({ ok: true, retried: reports, files }, () =>
    reports.length === 0 && files.length === 0
      ? 'Nothing to retry.'
      : [...reports.map((report) => `${report.envelope_id}: ${report.state}${report.reason ? ` (${report.reason})` : ''}`), ...files.map(describeFileRetry)].join('\n'),
  );
}

async function retryFile(context: CliContext, agent: Agent, id: string): Promise<FileRetryReport | undefined> {
  const progress = fileProgress(context);
  try {
    return await agent.retryFileTransfer(id, progress.onProgress ? { onProgress: progress.onProgress } : {});
  } finally {
    progress.finish();
  }
}

/**
 * With an ID: that message, or that file transfer (its transfer id or envelope id).
 * Without: every dead or expired message, never pending ones. `--files`: every pending
 * file transfer as well (sending the same file again then starts over).
 */
export async function purge(context: CliContext, id: string | undefined, options: { files?: boolean } = {}): Promise<void> {
  const agent = await context.agent();
  const outbox = await agent.outbox();
  const purged: string[] = [];
  const files: string[] = [];
  if (id !== undefined) {
    if (outbox.get(id) !== undefined) {
      await outbox.purge(id);
      purged.push(id);
    } else if (await agent.forgetFileTransfer(id)) {
      files.push(id);
    } else {
      // Not held: the outbox says so in its own words.
      await outbox.purge(id);
      purged.push(id);
    }
  } else {
    for (const entry of outbox.list()) {
      if (entry.state !== 'dead' && entry.state !== 'expired') continue;
      await outbox.purge(entry.envelopeId);
      purged.push(entry.envelopeId);
    }
  }
  if (options.files === true) {
    for (const transfer of await agent.fileTransfers()) {
      if (await agent.forgetFileTransfer(transfer.transfer_id)) files.push(transfer.transfer_id);
    }
  }
  const lines = [
    ...(purged.length === 0 ? [] : [`Purged ${purged.length} message(s): ${purged.join(', ')}`]),
    ...(files.length === 0 ? [] : [`Forgot ${files.length} file transfer(s): ${files.join(', ')}`]),
  ];
  context.print({ ok: true, purged, files }, lines.length === 0 ? 'Nothing to purge.' : lines.join('\n'));
}

function toJson(entry: OutboxEntry) {
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
    next_attempt_at: entry.state === 'queued' || entry.state === 'handed-off' ? entry.nextAttemptAt : null,
    transports: entry.transports,
  };
}

/** The route in words: "websocket failed: connection refused; handed off via file at …; acked …". */
function explain(entry: OutboxEntry): string {
  const lines = [`${entry.envelopeId} to ${entry.peer}: ${entry.state} since ${entry.stateAt}${entry.reason ? ` (${entry.reason})` : ''}`];
  lines.push(`  queued ${entry.enqueuedAt}, ${entry.rounds} routing round(s), ${entry.retryCount}/${entry.maxRetries} retries used, mode ${entry.mode}`);
  for (const [name, state] of Object.entries(entry.transports)) {
    const why = state.error ? `: ${state.error.message}` : state.detail ? ` at ${state.detail}` : '';
    lines.push(`  ${name} ${state.outcome}${why} (last ${state.at}, ${state.attempts} attempt(s))`);
  }
  if (entry.state === 'queued' || entry.state === 'handed-off') lines.push(`  next attempt ${entry.nextAttemptAt}`);
  return lines.join('\n');
}
