/**
 * One in-process fault run: a sender and a receiver agent, each with its daemon
 * (receive loop, outbox retries, acks), `count` messages sent concurrently, the
 * application consuming through its cursor, faults switched by the caller. Ends when
 * every message is acked (bounded wait), then checks the history.
 */
import { runDaemon } from '@skcomm/core/agent';
import type { RouteMode } from '@skcomm/core/agent';
import { silentLogger, type Transport } from '@skcomm/core';
import { Quarantine, type QuarantineRecord } from '@skcomm/core/store';
import type { TestAgent } from '@skcomm/core/testing';
import { checkHistory, type Verdict } from './history.js';
import { allSettled, consume, inParallel, makeHomes, type HomeSettings, openAgent, waitFor } from './harness.js';

export interface ScenarioInit {
  name: string;
  count: number;
  mode?: RouteMode;
  settings?: HomeSettings;
  /** Sends in flight at once. Default 8. */
  concurrency?: number;
  /** The homes are there for what transports need beyond the fingerprint (signing, peer addresses); the agents are not open yet. */
  transports(
    fingerprints: { sender: string; receiver: string },
    homes: { sender: TestAgent; receiver: TestAgent },
  ): ScenarioTransports | Promise<ScenarioTransports>;
  /** Called once both daemons run, before sending. */
  beforeSending?(): void;
  /** Called after each send resolved, with how many have so far (e.g. inject a fault mid-stream). */
  onConfirmed?(confirmed: number): void | Promise<void>;
  /** Called once everything is sent, before waiting for acks (e.g. heal a fault). */
  afterSending?(): void | Promise<void>;
  /** Called once every message is settled, before the daemons stop (e.g. wait for stale copies to drain). */
  beforeStopping?(): Promise<void>;
  timeoutMs?: number;
  /** The envelopes' max_retries (default: the envelope default, 5). */
  maxRetries?: number;
}

export interface ScenarioTransports {
  sender: Transport[];
  receiver: Transport[];
}

export interface ScenarioResult {
  verdict: Verdict;
  /** Routing rounds per message, averaged: how many times the outbox sent it. */
  averageRounds: number;
  /** Messages that ended dead or expired instead of delivered (each a failure of the run). */
  undelivered: Array<{ envelopeId: string; state: string; reason: string | undefined }>;
  /** Per-transport: how many messages each transport took at least once. */
  handedOffBy: Record<string, number>;
  /** What each agent's receive pipeline rejected and quarantined, with reasons. */
  quarantined: { sender: QuarantineRecord[]; receiver: QuarantineRecord[] };
}

export async function runScenario(init: ScenarioInit): Promise<ScenarioResult> {
  const homes = await makeHomes(['sender', 'receiver'], init.settings);
  const fingerprints = { sender: homes.sender.identity.fingerprint, receiver: homes.receiver.identity.fingerprint };
  const transports = await init.transports(fingerprints, homes);
  const sender = await openAgent(homes.sender, transports.sender);
  const receiver = await openAgent(homes.receiver, transports.receiver);
  const stop = new AbortController();
  const attempted: string[] = [];
  const confirmed: string[] = [];
  const consumed: string[] = [];
  const ready: Promise<void>[] = [];
  const daemons = [sender, receiver].map((agent) => {
    let onReady!: () => void;
    ready.push(new Promise<void>((resolve) => (onReady = resolve)));
    return runDaemon(agent, { signal: stop.signal, logger: silentLogger, pollIntervalMs: 20, retryTickMs: 20, compactOnStart: false, onReady });
  });
  try {
    await Promise.race([Promise.all(ready), ...daemons]);
    init.beforeSending?.();
    const consumer = (async () => {
      while (!stop.signal.aborted) {
        await consume(receiver, consumed);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const bodies = Array.from({ length: init.count }, (_, index) => `${init.name}-${index}`);
    await inParallel(bodies, init.concurrency ?? 8, async (body) => {
      attempted.push(body);
      await sender.send('receiver', { body, ...(init.maxRetries === undefined ? {} : { maxRetries: init.maxRetries }) }, { mode: init.mode ?? 'failover' });
      confirmed.push(body);
      await init.onConfirmed?.(confirmed.length);
    });
    await init.afterSending?.();
    await waitFor(() => allSettled(sender, init.count), `${init.name}: every message acked (or dead)`, init.timeoutMs ?? 90_000, 50);
    await init.beforeStopping?.();
    stop.abort();
    await consumer;
    await Promise.all(daemons);
    await consume(receiver, consumed);
    const entries = (await sender.outbox()).list();
    const handedOffBy: Record<string, number> = {};
    for (const entry of entries) {
      for (const [name, state] of Object.entries(entry.transports)) {
        if (state.outcome === 'handed-off' || state.attempts > 0) handedOffBy[name] = (handedOffBy[name] ?? 0) + (state.outcome === 'handed-off' ? 1 : 0);
      }
    }
    const undelivered = entries
      .filter((entry) => entry.state === 'dead' || entry.state === 'expired')
                      .map((entry) => ({ envelopeId: entry.envelopeId, state: entry.state, reason: entry.reason }));
    const averageRounds = entries.reduce((sum, entry) => sum + entry.rounds, 0) / Math.max(1, entries.length);
    const quarantined = {
      sender: await new Quarantine(homes.sender.layout.quarantineDir).list(),
      receiver: await new Quarantine(homes.receiver.layout.quarantineDir).list(),
    };
    return { verdict: checkHistory({ attempted, confirmed, consumed }), averageRounds, handedOffBy, undelivered, quarantined };
  } finally {
    stop.abort();
    await Promise.allSettled(daemons);
    await Promise.all([sender.close(), receiver.close()]);
    await homes.cleanup();
  }
}
