/**
 * Test agents: each a real home in a temp directory with a fresh identity, real stores
 * and a receive pipeline, and by default pinned as peers of each other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnvelopeDraft, type PublicKeyHandle, readPublicKey, type SecurityMode, sealEnvelope } from '../crypto/index.js';
import type { Envelope } from '../envelope/schema.js';
import type { TrustLevel } from '../message.js';
import { createReceivePipeline, type ReceivePipeline, type ReceivePipelineOptions } from '../receive/pipeline.js';
import { initHome } from '../store/home.js';
import type { HomeLayout } from '../store/layout.js';
import { type LoadedIdentity, loadIdentity } from '../store/identity.js';
import { Inbox } from '../store/inbox.js';
import { PeerStore } from '../store/peers.js';
import { Quarantine } from '../store/quarantine.js';
import { ReplayStore } from '../store/replay.js';

export interface TestAgent {
  readonly name: string;
  readonly home: string;
  readonly layout: HomeLayout;
  readonly passphrase: string;
  readonly identity: LoadedIdentity;
  /** The public half, as a sender names this agent as recipient. */
  readonly publicKey: PublicKeyHandle & { name: string };
  readonly peers: PeerStore;
  readonly inbox: Inbox;
  readonly quarantine: Quarantine;
  readonly replay: ReplayStore;
  /** A pipeline over this agent's stores; options override any part (clock, handlers, stores). */
  pipeline(options?: Partial<ReceivePipelineOptions>): ReceivePipeline;
  /** Seals `draft` (body defaults to a greeting) from this agent to `recipient`, secured unless `mode` says open. */
  seal(recipient: TestAgent, draft?: Partial<EnvelopeDraft>, mode?: SecurityMode): Promise<Envelope>;
  /** The same home opened again, as after a process restart: every store re-read from disk. */
  restart(): Promise<TestAgent>;
}

export interface MakeTestAgentsOptions {
  /** Pin every agent as a peer of every other. Default true. */
  connect?: boolean;
  /** Trust of those peers. Default `verified`. */
  trust?: TrustLevel;
}

export type TestAgents<TName extends string> = { readonly [K in TName]: TestAgent } & {
  /** The temp directory holding every home. */
  readonly root: string;
  /** Removes every home. */
  cleanup(): Promise<void>;
};

/** Creates one agent per name (names must be valid peer names), in parallel. */
export async function makeTestAgents<const TName extends string>(
  names: readonly TName[],
  options: MakeTestAgentsOptions = {},
): Promise<TestAgents<TName>> {
  const root = await mkdtemp(join(tmpdir(), 'skcomm-test-'));
  const agents = await Promise.all(names.map((name) => createAgent(join(root, name), name)));
  if (options.connect ?? true) {
    for (const agent of agents) {
      for (const other of agents) {
        if (other === agent) continue;
        await agent.peers.add({ name: other.name, armoredPublicKey: other.publicKey.armored, trust: options.trust ?? 'verified' });
      }
    }
  }
  const byName = Object.fromEntries(agents.map((agent) => [agent.name, agent])) as { [K in TName]: TestAgent };
  return { ...byName, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

async function createAgent(home: string, name: string): Promise<TestAgent> {
  const passphrase = `test passphrase of ${name}`;
  const { layout } = await initHome(home, { name, email: `${name}@example.org`, passphrase });
  const identity = await loadIdentity(home, passphrase);
  const publicKey = { ...(await readPublicKey(identity.armored)), name };
  return openAgent(home, layout, passphrase, identity, publicKey);
}

async function openAgent(
  home: string,
  layout: HomeLayout,
  passphrase: string,
  identity: LoadedIdentity,
  publicKey: PublicKeyHandle & { name: string },
): Promise<TestAgent> {
  const peers = new PeerStore(layout.peersDir);
  const inbox = new Inbox(layout.inboxDir);
  const quarantine = new Quarantine(layout.quarantineDir);
  const replay = await ReplayStore.open(layout.replayLogFile);
  const agent: TestAgent = {
    name: identity.name,
    home,
    layout,
    passphrase,
    identity,
    publicKey,
    peers,
    inbox,
    quarantine,
    replay,
    pipeline: (options = {}) => createReceivePipeline({ self: identity, peers, replay, quarantine, inbox, ...options }),
    seal: (recipient, draft = {}, mode = 'secured') =>
      sealEnvelope({ body: `hello ${recipient.name}`, ...draft }, { sender: identity, recipient: recipient.publicKey, mode }),
    restart: async () => openAgent(home, layout, passphrase, await loadIdentity(home, passphrase), publicKey),
  };
  return agent;
}
