/**
 * Real agents for the fault tests: homes with identities and pinned peers
 * (`makeTestAgents`), a fast retry schedule, and transports injected so faults can be
 * switched at run time. Waits are bounded loops on conditions, never sleeps that assume speed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Agent } from '@skcomm/core/agent';
import { createCapauthToken } from '@skcomm/core/crypto';
import { readConfig, writeConfig } from '@skcomm/core/store';
import { makeTestAgents, type TestAgent } from '@skcomm/core/testing';
import { type Logger, silentLogger, type Transport, type TransportContext } from '@skcomm/core';

export interface HomeSettings {
  /** Outbox retry schedule, seconds. Default 1 s, 2 s, 4 s. */
  retrySeconds?: number[];
  cooldownAfterFailures?: number;
  cooldownSeconds?: number;
}

export async function makeHomes<const TName extends string>(names: readonly TName[], settings: HomeSettings = {}) {
  const agents = await makeTestAgents(names, { trust: 'trusted' });
  for (const name of names) {
    const home = agents[name].home;
    await writeConfig(home, {
      ...(await readConfig(home)),
      retry_schedule_seconds: settings.retrySeconds ?? [1, 2, 4],
      cooldown_after_failures: settings.cooldownAfterFailures ?? 3,
      cooldown_seconds: settings.cooldownSeconds ?? 0.2,
    });
  }
  return agents;
}

export function openAgent(agent: TestAgent, transports: Transport[], logger: Logger = silentLogger): Promise<Agent> {
  return Agent.open({ home: agent.home, passphrase: async () => agent.passphrase, logger, transports });
}

/**
 * What the Agent gives a transport it loads from config, for transports injected into a
 * test agent: the fingerprint, and real CapAuth tokens signed with the home's key (relays).
 */
export function transportContext(agent: TestAgent, logger: Logger = silentLogger): TransportContext {
  return {
    selfFingerprint: agent.identity.fingerprint,
    logger,
    authToken: async () => ({
      token: await createCapauthToken(agent.identity, Math.floor(Date.now() / 1000)),
      armoredPublicKey: agent.publicKey.armored,
    }),
  };
}

/** Polls `check` until true; fails after `timeoutMs` with `what`. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The application's side: consume unread messages through the persistent cursor. */
export async function consume(agent: Agent, into: string[]): Promise<number> {
  const unread = await agent.unread();
  into.push(...unread.map((message) => message.body));
  await agent.markRead(unread.map((message) => message.envelopeId));
  return unread.length;
}

/** Every message in the outbox acked? */
export async function allDelivered(agent: Agent, expected: number): Promise<boolean> {
  const outbox = await agent.outbox();
  await outbox.refresh();
  const depth = outbox.depthByState();
  return depth.delivered + depth.read >= expected;
}

/** Every message in the outbox settled: acked, dead or expired? */
export async function allSettled(agent: Agent, expected: number): Promise<boolean> {
  const outbox = await agent.outbox();
  await outbox.refresh();
  const depth = outbox.depthByState();
  return depth.delivered + depth.read + depth.dead + depth.expired >= expected;
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index] as T, index);
      }
    }),
  );
}

/** Scale of the fault runs: CI size by default, SKCOMM_FAULT_SCALE=N multiplies. */
export function scaled(ciSize: number): number {
  const factor = Number(process.env.SKCOMM_FAULT_SCALE ?? '1');
  return Math.max(1, Math.round(ciSize * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/** For a test file: a maker of temporary folders (under the system temp dir), all removed after its tests. */
export function temporaryFolders(): (prefix: string) => Promise<string> {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });
  return async (prefix) => {
    const folder = await mkdtemp(join(tmpdir(), prefix));
    folders.push(folder);
    return folder;
  };
}
