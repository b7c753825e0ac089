/**
 * How pending streamed file transfers show in the outbox commands (a helper of outbox.ts,
 * not a command): the `list` table, `show` in words, `retry` outcomes and the progress
 * line of a resumed transfer on a terminal. Never the key: the agent does not hand it out.
 */
import type { FileRetryReport, FileTransferProgress, PendingFileTransfer } from '@skcomm/core/agent';
import type { CliContext } from '../context.js';
import { formatBytes, ProgressLine } from '../file-display.js';
import { describeAttempts } from '../report.js';
import { table } from '../table.js';

/** Queued transfers say when they are tried next and what failed last; handed-off ones until when they wait for the ack. */
export function fileTable(files: readonly PendingFileTransfer[]): string {
  return table(
    ['TRANSFER', 'FILE', 'TO', 'SIZE', 'STATE', 'NEXT ATTEMPT / LAST ERROR'],
    files.map((file) => [
      file.transfer_id,
      file.name,
      file.peer,
      formatBytes(file.size),
      file.state,
      file.state === 'handed-off'
        ? `waiting for the ack (via ${file.via ?? '?'}); again ${file.next_attempt_at ?? 'now'} without it`
        : `${file.next_attempt_at ?? 'now'}${file.last_error ? ` after ${file.last_error.code}: ${file.last_error.message}` : ''}`,
    ]),
  );
}

/** `outbox show` of a transfer: where it stands, what failed last, what happens next. */
export function explainFileTransfer(file: PendingFileTransfer): string {
  const lines = [`file ${file.name} (${formatBytes(file.size)}) to ${file.peer}: ${file.state}, ${file.rounds} round(s)`];
  lines.push(`  transfer ${file.transfer_id}, envelope ${file.envelope_id ?? 'unreadable'}`);
  lines.push(`  path ${file.path}`);
  lines.push(`  started ${file.created_at}`);
  if (file.last_error) lines.push(`  last error ${file.last_error.at}: ${file.last_error.code}: ${file.last_error.message}`);
  if (file.state === 'handed-off') lines.push(`  handed off via ${file.via ?? '?'}; waiting for the ack, sent again ${file.next_attempt_at ?? 'now'} if it has not come`);
  else lines.push(`  next attempt ${file.next_attempt_at ?? 'now'} (skcomm daemon, or skcomm outbox retry ${file.transfer_id} now)`);
  return lines.join('\n');
}

/** `outbox retry`: one line per transfer tried, then its attempts. */
export function describeFileRetry(report: FileRetryReport): string {
  const outcome =
    report.state === 'handed-off'
      ? `handed off via ${report.transport ?? '?'} (${report.reason ?? 'not yet acked'})`
      : report.state === 'queued'
        ? `queued, next attempt ${report.next_attempt_at ?? 'now'}${report.reason ? ` (${report.reason})` : ''}`
        : `dropped (${report.reason ?? 'no reason recorded'})`;
  const line = `${report.transfer_id} file ${report.name} (${formatBytes(report.size)}) to ${report.peer}: ${outcome}`;
  return report.attempts.length === 0 ? line : `${line}\n${describeAttempts(report.attempts)}`;
}

/** On a terminal (and without --json), one progress line per transfer on stderr, as `send --file` draws it. */
export function fileProgress(context: CliContext): { onProgress?: FileTransferProgress; finish(): void } {
  if (context.json || (context.err as NodeJS.WriteStream).isTTY !== true) return { finish: () => undefined };
  let current: { transferId: string; line: ProgressLine } | undefined;
  return {
    onProgress(transfer, phase, done, total) {
      if (current?.transferId !== transfer.transfer_id) {
        current?.line.finish();
        current = { transferId: transfer.transfer_id, line: new ProgressLine(context.err, transfer.name) };
      }
      current.line.update(phase, done, total);
    },
    finish: () => current?.line.finish(),
  };
}
