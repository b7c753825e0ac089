import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, TransportContext } from '@skcomm/core';
import { syncthing, type SyncthingTransport, type SyncthingTransportInit } from '../src/index.js';

/** One side of a Syncthing pair, as the tests reach it: REST API and shared folder. */
export interface InstanceEndpoint {
  apiUrl: string;
  apiKeyFile: string;
  deviceId: string;
  folder: string;
}

export interface PairEndpoints {
  folderId: string;
  a: InstanceEndpoint;
  b: InstanceEndpoint;
}

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that remembers what it was told. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** A fresh random uppercase fingerprint, so every test gets inboxes nobody used before. */
export function freshFingerprint(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

/** The transport on `self`'s side of the pair, sending to `peer`'s device. */
export function transportOn(
  self: InstanceEndpoint,
  peer: InstanceEndpoint,
  folderId: string,
  selfFingerprint: string,
  overrides: Partial<SyncthingTransportInit> = {},
  logger: Logger = recordingLogger(),
): SyncthingTransport {
  const context: TransportContext = { selfFingerprint, logger };
  return syncthing({
    root: self.folder,
    folder: folderId,
    api: self.apiUrl,
    apiKeyFile: self.apiKeyFile,
    device: peer.deviceId,
    pollIntervalMs: 100,
    ...overrides,
  })(context);
}

/** REST call to an instance, as a person at its GUI would make it. */
export async function rest(endpoint: InstanceEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  const key = (await readFile(endpoint.apiKeyFile, 'utf8')).trim();
  const response = await fetch(endpoint.apiUrl + path, {
    method,
    headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function connected(endpoint: InstanceEndpoint, deviceId: string): Promise<boolean> {
  const { connections } = (await rest(endpoint, 'GET', '/rest/system/connections')) as { connections: Record<string, { connected: boolean }> };
  return connections[deviceId]?.connected === true;
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(25);
  }
}

/**
 * Polls until `condition` has held on every poll for `holdMs`. Syncthing's connection
 * state flaps right after a device is paused or resumed (a redial that the pause has not
 * reached yet, or both sides dialling at once and one connection being replaced), so a
 * single observation is not yet the state the next step will see.
 */
export async function waitForSteady(what: string, condition: () => Promise<boolean>, holdMs = 1_000, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let heldSince: number | undefined;
  for (;;) {
    const now = Date.now();
    if (await condition()) {
      heldSince ??= now;
      if (now - heldSince >= holdMs) return;
    } else {
      heldSince = undefined;
    }
    if (now > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what} for ${holdMs} ms in a row`);
    await sleep(50);
  }
}

/**
 * Takes b away from a the way a peer goes offline: b pauses a's device, which closes
 * the connection. Resolves once a has seen it closed for a second.
 */
export async function disconnect(pair: PairEndpoints): Promise<void> {
  await rest(pair.b, 'PATCH', `/rest/config/devices/${pair.a.deviceId}`, { paused: true });
  await waitForSteady('a sees b disconnected', async () => !(await connected(pair.a, pair.b.deviceId)));
}

export async function reconnect(pair: PairEndpoints): Promise<void> {
  await rest(pair.b, 'PATCH', `/rest/config/devices/${pair.a.deviceId}`, { paused: false });
  await waitForSteady('a and b are connected again', async () => (await connected(pair.a, pair.b.deviceId)) && (await connected(pair.b, pair.a.deviceId)));
}
