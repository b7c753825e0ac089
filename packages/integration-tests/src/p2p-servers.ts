/**
 * The two servers a P2P run needs, both on 127.0.0.1: a real skcomm relay whose signaling
 * broker negotiates WebRTC links (in this process; stopping it cuts negotiation), and a
 * real Nostr relay (@nostr-relay/core: the one transport-nostr's own tests and the bench
 * start, `packages/transport-nostr/test/relay/relay-server.mjs`) in a child process, so
 * killing it is a real SIGKILL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelay } from '@skcomm/relay';
import { killHard, startChild } from './processes.js';

const NOSTR_RELAY_SCRIPT = fileURLToPath(new URL('../../transport-nostr/test/relay/relay-server.mjs', import.meta.url));

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
  const child = startChild(NOSTR_RELAY_SCRIPT, 0); // port 0: any free port
  await child.waitForLine((line) => line.startsWith('LISTENING '), 'the Nostr relay to listen', 30_000);
  const line = child.lines.find((candidate) => candidate.startsWith('LISTENING ')) as string;
  let stopped: Promise<void> | undefined;
  return {
    url: `ws://127.0.0.1:${line.slice('LISTENING '.length)}`,
    stop: () => (stopped ??= killHard(child)),
  };
}
