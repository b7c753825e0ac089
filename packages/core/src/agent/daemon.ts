/**
 * `skcomm daemon`: one long-running loop per home. It holds the home lock, receives on
 * every transport (subscribe() where offered, polling otherwise), retries the outbox
 * when messages come due, resumes cut streamed file transfers on the same schedule, acks
 * what it accepts, and stops cleanly when `signal` aborts:
 * no new work starts, running work finishes, the lock is released.
 */
import { setMaxListeners } from 'node:events';
import { describeError, SkcommError } from '../errors.js';
import type { VerifiedMessage } from '../message.js';
import { acquireHomeLock } from '../store/index.js';
import type { InboundEnvelope, Logger, Transport } from '../transport/contract.js';
import type { Agent } from './agent.js';
import type { DroppedFileTransfer } from './file-resume.js';
import { sleep } from './abortable-sleep.js';

export interface DaemonOptions {
  signal: AbortSignal;
  /** Poll interval for transports without subscribe(). Default 1000 ms. */
  pollIntervalMs?: number;
  /** Longest sleep of the retry loop between looks at the outbox. Default 1000 ms. */
  retryTickMs?: number;
  /** Compact the outbox log when the daemon starts. Default true. */
  compactOnStart?: boolean;
  logger: Logger;
  /** Called once everything is started (tests wait on it). */
  onReady?: () => void;
  /** Called for each message accepted into the inbox (acks and duplicates are not messages). */
  onMessage?: (message: VerifiedMessage) => void;
  /** Called for each pending file transfer given up on (its file changed or vanished, its peer is gone). */
  onFileTransferDropped?: (drop: DroppedFileTransfer) => void;
}

export interface DaemonSummary {
  received: number;
  retried: number;
  /** Rounds of streamed file transfers resumed. */
  files_resumed: number;
}

export async function runDaemon(agent: Agent, options: DaemonOptions): Promise<DaemonSummary> {
  const { signal, logger } = options;
  // Every in-flight send listens for the abort; up to the retry concurrency at once, plus receives.
  setMaxListeners(64, signal);
  const lock = await acquireHomeLock(agent.layout.daemonLockFile);
  const summary: DaemonSummary = { received: 0, retried: 0, files_resumed: 0 };
  const unsubscribers: Array<() => void> = [];
  const work = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    work.add(promise);
    void promise.finally(() => work.delete(promise)).catch(() => undefined);
    return promise;
  };
  try {
    const outbox = await agent.outbox();
    if (options.compactOnStart !== false) await outbox.compact();
    const transports = await agent.activeTransports();
    const handle = (envelope: InboundEnvelope) =>
      track(
        agent.processInbound(envelope).then(
          (outcome) => {
            summary.received++;
            if (outcome.status === 'accepted') options.onMessage?.(outcome.message);
          },
          (error: unknown) => logger.error('inbound envelope not processed; the transport will redeliver it', { transport: envelope.transport, error: describeError(error) }),
        ),
      );
    const polled: Transport[] = [];
    for (const transport of transports) {
      if (typeof transport.subscribe === 'function') {
        unsubscribers.push(transport.subscribe((envelope) => (signal.aborted ? undefined : handle(envelope))));
      } else {
        polled.push(transport);
      }
    }
    logger.info('daemon started', { pid: process.pid, subscribed: transports.length - polled.length, polled: polled.map((transport) => transport.name) });
    options.onReady?.();
    await Promise.all([pollLoop(polled, handle, options), retryLoop(agent, summary, options), fileResumeLoop(agent, summary, options)]);
  } finally {
    for (const unsubscribe of unsubscribers) unsubscribe();
    await Promise.allSettled([...work]);
    await agent.flushAcks();
    await lock.release();
    logger.info('daemon stopped', { pid: process.pid, received: summary.received, retried: summary.retried, files_resumed: summary.files_resumed });
  }
  return summary;
}

async function pollLoop(transports: readonly Transport[], handle: (envelope: InboundEnvelope) => Promise<unknown>, options: DaemonOptions): Promise<void> {
  if (transports.length === 0) return;
  const interval = options.pollIntervalMs ?? 1000;
  while (!options.signal.aborted) {
    for (const transport of transports) {
      try {
        for (const envelope of await transport.receive()) {
          if (options.signal.aborted) break;
          await handle(envelope);
        }
      } catch (error) {
        options.logger.warn('receive failed', { transport: transport.name, error: SkcommError.is(error) ? error.code : describeError(error) });
      }
    }
    await sleep(interval, options.signal);
  }
}

async function retryLoop(agent: Agent, summary: DaemonSummary, options: DaemonOptions): Promise<void> {
  const tick = options.retryTickMs ?? 1000;
  while (!options.signal.aborted) {
    try {
      summary.retried += await agent.retryDue(options.signal);
    } catch (error) {
      options.logger.error('outbox retry pass failed', { error: describeError(error) });
    }
    const untilDue = await agent.msUntilNextDue().catch(() => undefined);
    // Sleep until the next message is due, but look again at least every tick: other
    // processes (skcomm send, outbox retry) add work to the same outbox.
    await sleep(Math.max(10, Math.min(tick, untilDue ?? tick)), options.signal);
  }
}

/**
 * Its own loop: a resumed file may stream for minutes, and outbox retries must not wait
 * for it. Each transfer's next attempt is persisted beside its record, so this only looks
 * once a tick which ones are due (other processes add transfers too).
 */
async function fileResumeLoop(agent: Agent, summary: DaemonSummary, options: DaemonOptions): Promise<void> {
  const tick = options.retryTickMs ?? 1000;
  while (!options.signal.aborted) {
    try {
      const pass = await agent.resumeFileTransfers(options.signal);
      summary.files_resumed += pass.attempted;
      for (const drop of pass.dropped) options.onFileTransferDropped?.(drop);
    } catch (error) {
      if (options.signal.aborted) break;
      options.logger.error('file transfer resume pass failed', { error: describeError(error) });
    }
    await sleep(tick, options.signal);
  }
}

