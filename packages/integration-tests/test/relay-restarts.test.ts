/**
 * R8 (threat model): the relay restarts again and again mid-stream. A real relay in a
 * child process (`src/relay-process.ts`: its own mailbox directory, real CapAuth) goes
 * down 10 times (× SKCOMM_FAULT_SCALE, as the message count) at seeded-random points of
 * the stream, half of them with SIGKILL and half with SIGTERM, for 50-500 ms each (plus
 * its start-up), so sends find it gone and the messages wait in the outbox for a retry. Its mailbox survives every restart: copies
 * handed out before a restart and not yet acknowledged go out again and must not be
 * consumed twice.
 * (1) websocket is the only path; (2) the relay is also the WebRTC signaling broker, with
 * webrtc first and websocket second: open data channels must carry on while it is down.
 * Pass (history checker): every message consumed exactly once and acked, nothing
 * quarantined, the mailbox empty at the end.
 *
 * The seed is printed; SKCOMM_FAULT_SEED=<seed> replays the same plan (restart points,
 * signals, down and up times), though not the same thread timing.
 */
import { createHash } from 'node:crypto';
import { seededRandom, type Transport } from '@skcomm/core';
import type { TestAgent } from '@skcomm/core/testing';
import { webrtc, type WebrtcTransport } from '@skcomm/transport-webrtc';
import { websocket } from '@skcomm/transport-websocket';
import { describe, expect, test } from 'vitest';
import { summarize } from '../src/history.js';
import { scaled, temporaryFolders, transportContext, waitFor } from '../src/harness.js';
import { type RelayProcess, startRelayProcess } from '../src/relay-process.js';
import { runScenario, type ScenarioResult } from '../src/scenario.js';

const RESTARTS = scaled(10);
/**
 * The retry schedule is compressed ~10x (0.5-2 s instead of 5 s-15 min), and 10 restarts
 * come within seconds instead of over 10,000 messages: the retry budget keeps its span in
 * time with more rounds (as R6 does), so no message runs out of retries while the relay
 * is still flapping. A relay or client that never comes back still fails the run (timeout).
 */
const RETRY_SECONDS = [0.5, 1, 2];
const MAX_RETRIES = 50;

const temporaryFolder = temporaryFolders();

function runSeed(): number {
  const given = process.env.SKCOMM_FAULT_SEED;
  return given === undefined || given === '' ? Math.floor(Math.random() * 2 ** 32) : Number(given) >>> 0;
}

type StopSignal = 'SIGKILL' | 'SIGTERM';

interface PlannedRestart {
  /** The restart starts once the sender's transports were given this many distinct messages. */
  afterOffered: number;
  signal: StopSignal;
  downMs: number;
  /** Up at least this long before the next restart. */
  upMs: number;
}

/** One restart in each tenth of the stream (so they spread over it and the first comes early), half of them SIGKILL. */
function planRestarts(random: () => number, count: number): PlannedRestart[] {
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const signals: StopSignal[] = Array.from({ length: RESTARTS }, (_, index) => (index % 2 === 0 ? 'SIGKILL' : 'SIGTERM'));
  for (let index = signals.length - 1; index > 0; index--) {
    const other = between(0, index);
    [signals[index], signals[other]] = [signals[other] as StopSignal, signals[index] as StopSignal];
  }
  const slice = Math.floor(count / RESTARTS);
  return signals.map((signal, index) => ({
    afterOffered: index * slice + between(1, slice),
    signal,
    downMs: between(50, 500),
    upMs: between(100, 400),
  }));
}

interface Restart {
  /** Sends resolved (messages durable in the outbox) when the relay went down. */
  atConfirmed: number;
  /** Distinct messages the sender's transports had been given when the relay went down. */
  atOffered: number;
  signal: StopSignal;
  /** Envelopes in the mailbox just after it came back (stale copies included). */
  waitingAfter: number;
}

/** A promise with its resolve and reject (Promise.withResolvers is Node 22). */
function deferred(): { promise: Promise<void>; resolve(): void; reject(error: unknown): void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => ((resolve = onResolve), (reject = onReject)));
  return { promise, resolve, reject };
}

/**
 * Restarts the relay along the plan, driven by how far the stream got: the sender's
 * transports are watched (`watch`) for the messages they are given (a send called: the
 * relay was there to take it, or the WebRTC link), and for the rounds in which they
 * could not take one (the message then waits in the outbox). The stream is cut
 * into one segment per restart; a send in segment s+1 waits for restart s to be over
 * (`onConfirmed`), so sending (fast while the relay is down: the outbox keeps the
 * messages) cannot run ahead of the restarts and leave them with nothing to disturb.
 */
function restarter(relay: RelayProcess, plan: readonly PlannedRestart[], count: number) {
  const done: Restart[] = [];
  const finished = plan.map(() => deferred());
  for (const { promise } of finished) promise.catch(() => undefined); // awaited by the stream and finished(); not unhandled meanwhile
  const segment = Math.floor(count / plan.length);
  const offered = new Set<string>();
  const handedOff = new Set<string>();
  const handedOffWhileDown: Record<string, number> = {};
  let missedRounds = 0;
  let confirmed = 0;
  let down = false;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const run = async (ready: () => Promise<void>) => {
    await ready();
    for (const [index, planned] of plan.entries()) {
      await waitFor(() => offered.size >= planned.afterOffered, `${planned.afterOffered} messages given to the sender's transports before restart ${index + 1}`, 60_000, 10);
      const at = { atConfirmed: confirmed, atOffered: offered.size };
      down = true;
      await (planned.signal === 'SIGKILL' ? relay.kill() : relay.stop());
      await pause(planned.downMs);
      await relay.restart();
      down = false;
      done.push({ ...at, signal: planned.signal, waitingAfter: await relay.waitingEnvelopes() });
      await pause(planned.upMs);
      finished[index]?.resolve();
    }
  };
  return {
    done,
    handedOffWhileDown,
    missedRounds: () => missedRounds,
    /**
     * Distinct messages given to a sender's transport that never came back with a hop ack
     * (stored by a relay killed before it could answer, say: delivered all the same).
     */
    neverHopAcked: () => offered.size - handedOff.size,
    watch<T extends Transport>(transport: T): T {
      const isAvailable = transport.isAvailable.bind(transport);
      const send = transport.send.bind(transport);
      transport.isAvailable = async () => {
        const available = await isAvailable();
        if (!available) missedRounds++;
        return available;
      };
      transport.send = async (bytes, target, options) => {
        const wasDown = down;
        const digest = createHash('sha256').update(bytes).digest('hex');
        offered.add(digest);
        try {
          const result = await send(bytes, target, options);
          handedOff.add(digest);
          // Taken while the relay was down the whole time: by a path that does not need it.
          if (wasDown && down) handedOffWhileDown[transport.name] = (handedOffWhileDown[transport.name] ?? 0) + 1;
          return result;
        } catch (error) {
          missedRounds++;
          throw error;
        }
      };
      return transport;
    },
    /** Starts the restarts once `ready` resolves. */
    start(ready: () => Promise<void> = async () => undefined): void {
      run(ready).catch((error: unknown) => {
        for (const { reject } of finished) reject(error);
      });
    },
    /** Called with the number of sends resolved so far: holds the sender back until the previous segment's restart is over. */
    async onConfirmed(confirmedSoFar: number): Promise<void> {
      confirmed = Math.max(confirmed, confirmedSoFar);
      const previous = Math.min(plan.length - 1, Math.floor((confirmedSoFar - 1) / segment)) - 1;
      if (previous >= 0) await finished[previous]?.promise;
    },
    /** Resolves once every planned restart is done. */
    finished: () => finished.at(-1)?.promise,
  };
}

/** One line like the other fault tests, plus where the restarts fell. */
function report(name: string, result: ScenarioResult, restarts: ReturnType<typeof restarter>, seed: number): void {
  const points = restarts.done.map((restart) => `${restart.atConfirmed}/${restart.atOffered}${restart.signal === 'SIGKILL' ? 'k' : 't'}`);
  console.info(
    summarize(name, result.verdict),
    `avg rounds ${result.averageRounds.toFixed(2)}`,
    result.handedOffBy,
    `restarts ${restarts.done.length} at confirmed/offered [${points.join(' ')}]`,
    `missed rounds ${restarts.missedRounds()}`,
    `never hop-acked ${restarts.neverHopAcked()}`,
    `handed off while down ${JSON.stringify(restarts.handedOffWhileDown)}`,
    `in the mailbox after restarts ${restarts.done.reduce((sum, restart) => sum + restart.waitingAfter, 0)}`,
    `seed ${seed}`,
  );
}

function expectRestartsMidStream(restarts: ReturnType<typeof restarter>, count: number): void {
  expect(restarts.done).toHaveLength(RESTARTS);
  expect(restarts.done[0]?.atConfirmed).toBeLessThan(count / 2);
  expect(restarts.done[0]?.atOffered).toBeLessThan(count / 2);
  expect(new Set(restarts.done.map((restart) => restart.signal))).toEqual(new Set(['SIGKILL', 'SIGTERM']));
}

function expectEveryMessageOnce(result: ScenarioResult, count: number): void {
  expect(result.undelivered).toEqual([]);
  expect(result.verdict).toMatchObject({ ok: count, lost: [], duplicated: [], unexpected: [], indeterminate: [], valid: true });
  expect(result.quarantined).toEqual({ sender: [], receiver: [] });
}

describe('R8: the relay restarts 10 times mid-stream (× SKCOMM_FAULT_SCALE; history checked)', () => {
  test('(1) websocket only: half SIGKILL, half SIGTERM, down 50-500 ms each; every message consumed once and acked, the mailbox drained', async () => {
    const seed = runSeed();
    console.info(`R8 relay restarts, websocket only: seed ${seed}`);
    const count = scaled(60);
    const relay = await startRelayProcess(await temporaryFolder('skcomm-relay-mailbox-'));
    const restarts = restarter(relay, planRestarts(seededRandom(seed), count), count);
    try {
      const result = await runScenario({
        name: 'relay-restarts',
        count,
        settings: { retrySeconds: RETRY_SECONDS },
        maxRetries: MAX_RETRIES,
        transports(_, homes) {
          // Reconnects capped at 500 ms: a relay that comes back is found again quickly.
          const relayPath = (home: TestAgent) => websocket({ url: relay.url, name: 'websocket', reconnectBaseMs: 50, reconnectMaxMs: 500 })(transportContext(home));
          return { sender: [restarts.watch(relayPath(homes.sender))], receiver: [relayPath(homes.receiver)] };
        },
        beforeSending: () => restarts.start(),
        onConfirmed: (confirmed) => restarts.onConfirmed(confirmed),
        afterSending: () => restarts.finished(),
        // Stale copies the mailbox kept across restarts go out too, and are acknowledged, before the agents stop.
        beforeStopping: () => waitFor(async () => (await relay.waitingEnvelopes()) === 0, 'the relay mailbox to drain', 60_000, 50),
      });
      report('R8 relay restarts (websocket only)', result, restarts, seed);
      expectRestartsMidStream(restarts, count);
      // Rounds found the relay gone, and those messages went again from the outbox.
      expect(restarts.missedRounds()).toBeGreaterThan(0);
      expect(result.averageRounds).toBeGreaterThan(1);
      expectEveryMessageOnce(result, count);
      expect(await relay.waitingEnvelopes()).toBe(0);
    } finally {
      await relay.stop();
    }
  }, 90_000);

  test('(2) the relay is also the WebRTC signaling broker (webrtc first, websocket second): open data channels carry on while it is down; nothing lost or doubled', async () => {
    const seed = runSeed();
    console.info(`R8 relay restarts, webrtc + websocket: seed ${seed}`);
    const count = scaled(60);
    const relay = await startRelayProcess(await temporaryFolder('skcomm-relay-mailbox-'));
    const restarts = restarter(relay, planRestarts(seededRandom(seed), count), count);
    let senderWebrtc: WebrtcTransport | undefined;
    try {
      const result = await runScenario({
        name: 'broker-restarts',
        count,
        settings: { retrySeconds: RETRY_SECONDS },
        maxRetries: MAX_RETRIES,
        transports(_, homes) {
          const paths = (home: TestAgent) => {
            const context = transportContext(home);
            return {
              // Timeouts are generous: the machine may be loaded; nothing waits on them unless negotiation meets a restart.
              direct: webrtc({ signal: relay.url, name: 'webrtc', priority: 1, connectTimeoutMs: 15_000, sendTimeoutMs: 15_000, reconnectBaseMs: 50, reconnectMaxMs: 500 })(context),
              relayed: websocket({ url: relay.url, name: 'websocket', priority: 2, reconnectBaseMs: 50, reconnectMaxMs: 500 })(context),
            };
          };
          const sender = paths(homes.sender);
          const receiver = paths(homes.receiver);
          senderWebrtc = sender.direct;
          return { sender: [restarts.watch(sender.direct), restarts.watch(sender.relayed)], receiver: [receiver.direct, receiver.relayed] };
        },
        // The data channel is negotiated (by the first send) before the broker first goes down. (An offer
        // the broker loses in a restart is not this test's subject: that link waits out connectTimeoutMs.)
        beforeSending: () =>
          restarts.start(() => waitFor(() => senderWebrtc?.connections().some((link) => link.state === 'open') === true, "the sender's WebRTC link to open", 30_000)),
        onConfirmed: (confirmed) => restarts.onConfirmed(confirmed),
        afterSending: () => restarts.finished(),
        beforeStopping: () => waitFor(async () => (await relay.waitingEnvelopes()) === 0, 'the relay mailbox to drain', 60_000, 50),
      });
      report('R8 broker restarts (webrtc + websocket)', result, restarts, seed);
      expectRestartsMidStream(restarts, count);
      expectEveryMessageOnce(result, count);
      // The data channel negotiated before the first restart took messages while the broker was gone.
      expect(result.handedOffBy.webrtc).toBeGreaterThan(0);
      expect(restarts.handedOffWhileDown.webrtc).toBeGreaterThan(0);
      expect(await relay.waitingEnvelopes()).toBe(0);
    } finally {
      await relay.stop();
    }
  }, 90_000);
});
