/**
 * The two servers a P2P run needs, both on 127.0.0.1: a real skcomm relay whose signaling
 * broker negotiates WebRTC links (in this process; stopping it cuts negotiation), and a
 * real Nostr relay (@nostr-relay/core, `fixtures/nostr-relay.mjs`) in a child process, so
 * killing it is a real SIGKILL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '@skcomm/relay';
import { fixture, killHard, startChild } from './processes.js';

export interface Server {
  readonly url: string;
  /** Stops it; nothing when it is already stopped. */
  stop(): Promise<void>;
}

export async function startSignalingRelay(): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skcomm-signaling-'));
  const relay = await startRelay({ host: '127.0.0.1', port: 0, dataDir });
  let stopped: Promise<void> | undefined;
  return {
    url: relay.url,
    stop: () => (stopped ??= relay.close().finally(() => rm(dataDir, { recursive: true, force: true }))),
  };
}

/** `stop()` is kill -9: connections drop without a close handshake, as when a relay host dies. */
export async function startNostrRelay(): Promise<Server> {
  const child = startChild(fixture('nostr-relay.mjs'), {});
  await child.waitForLine((line) => line.startsWith('listening '), 'the Nostr relay to listen', 30_000);
  const line = child.lines.find((candidate) => candidate.startsWith('listening ')) as string;
  let stopped: Promise<void> | undefined;
  return {
    url: line.slice('listening '.length),
    stop: () => (stopped ??= killHard(child)),
  };
}
