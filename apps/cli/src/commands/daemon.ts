/**
 * `skcomm daemon`: receive on every transport, retry the outbox, resume cut file
 * transfers, send acks, until
 * SIGINT/SIGTERM. One per home (a second one exits with E_ALREADY_EXISTS). Structured
 * lines go to logs/transport.log; stderr gets one line when it starts and stops.
 */
import { runDaemon } from '@skcomm/core/agent';
import { createFileLogger } from '@skcomm/core/store';
import type { CliContext } from '../context.js';
import { receivedFileLine } from '../file-display.js';
import { UsageError } from '../run.js';

export default async function daemon(context: CliContext, options: { pollInterval: string }): Promise<void> {
  const pollIntervalMs = Number(options.pollInterval);
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 10) throw new UsageError(`--poll-interval must be a whole number of ms >= 10, got "${options.pollInterval}"`);
  const agent = await context.agent();
  const logger = createFileLogger(agent.layout.transportLogFile);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await runDaemon(agent, {
      signal: stop.signal,
      logger,
      pollIntervalMs,
      onReady: () => context.err.write(`skcomm daemon: running for ${agent.name} (pid ${process.pid}); logs in ${agent.layout.transportLogFile}\n`),
      // Files are worth a line as they land: where to find them. Other messages wait in the inbox.
      onMessage: (message) => {
        const line = context.json ? undefined : receivedFileLine(message);
        if (line !== undefined) context.out.write(`${line}\n`);
      },
      // A transfer given up on leaves the outbox list: this line (and the log) say why.
      onFileTransferDropped: (drop) => context.err.write(`skcomm daemon: stopped sending ${drop.path} to ${drop.peer}: ${drop.reason}\n`),
    });
    context.print({ ok: true, ...summary }, `skcomm daemon: stopped (${summary.received} envelopes received, ${summary.retried} retries, ${summary.files_resumed} file transfer rounds)`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    logger.close();
  }
}
