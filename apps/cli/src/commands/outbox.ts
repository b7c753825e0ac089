/**
 * `skcomm outbox list | show ID | retry [ID] | purge [ID] [--files]`: what is waiting, and
 * why. Streamed file transfers are not outbox messages but wait for an ack the same way:
 * `list` shows them too, and `purge` forgets them.
 */
import type { OutboxEntry, PendingFileTransfer, SendReport } from '@skcomm/core/agent';
import type { CliContext } from '../context.js';
import { formatBytes } from '../file-display.js';
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

/** Queued transfers say when they are tried next and what failed last; handed-off ones wait for the ack. */
function fileTable(files: readonly PendingFileTransfer[]): string {
  return table(
    ['TRANSFER', 'FILE', 'TO', 'SIZE', 'STATE', 'NEXT ATTEMPT / LAST ERROR'],
    files.map((file) => [
      file.transfer_id,
      file.name,
      file.peer,
      formatBytes(file.size),
      file.state,
      file.state === 'handed-off'
        ? `waiting for the ack (via ${file.via ?? '?'})`
        : `${file.next_attempt_at ?? 'now'}${file.last_error ? ` after ${file.last_error.code}: ${file.last_error.message}` : ''}`,
    ]),
  );
}

export async function show(context: CliContext, envelopeId: string): Promise<void> {
  const entry = (await (await context.agent()).outbox()).get(envelopeId);
  if (entry === undefined) throw Object.assign(new Error(`no envelope ${envelopeId} in the outbox`), { code: 'E_NOT_FOUND' });
  context.print({ ok: true, message: toJson(entry) }, () => explain(entry));
}

export async function retry(context: CliContext, envelopeId: string | undefined): Promise<void> {
  const agent = await context.agent();
  const outbox = await agent.outbox();
  const ids = envelopeId !== undefined ? [envelopeId] : outbox.list().filter((entry) => entry.state !== 'delivered' && entry.state !== 'read').map((entry) => entry.envelopeId);
  const reports: SendReport[] = [];
  for (const id of ids) reports.push(await agent.retryNow(id));
  context.print({ ok: true, retried: reports }, () =>
    reports.length === 0 ? 'Nothing to retry.' : reports.map((report) => `${report.envelope_id}: ${report.state}${report.reason ? ` (${report.reason})` : ''}`).join('\n'),
  );
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
