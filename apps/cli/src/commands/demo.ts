/**
 * `skcomm demo`: two agents in a temporary directory exchange signed, encrypted
 * messages, first through a relay (the websocket transport, authenticated with CapAuth)
 * and, once the relay is stopped midway, through a shared folder (the file transport):
 * the router fails over and the acks come back the same way. A forged envelope planted
 * in the folder is rejected. Everything runs through the same Agent, stores, loader and
 * router as the real commands, against a real relay on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serializeEnvelope, type VerifiedMessage } from '@skcomm/core';
import { Agent, type SendReport } from '@skcomm/core/agent';
import { generateIdentity, readPublicKey, sealEnvelope, unlockIdentity } from '@skcomm/core/crypto';
import { initHome } from '@skcomm/core/store';
import { startRelay } from '@skcomm/relay';
import type { CliContext } from '../context.js';
import { describeAttempts } from '../report.js';
import { bundledTransports } from '../bundled-transports.js';

/** Bound on every wait below (arrival, ack, connection); generous for a loaded machine. */
const WAIT_MS = 20_000;

export default async function demo(context: CliContext, options: { keep?: boolean }): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'skcomm-demo-'));
  const say = (line = '') => {
    if (!context.json) context.out.write(`${line}\n`);
  };
  const agents: Agent[] = [];
  let stopRelay = async () => {};
  try {
    say('SKComm demo: two agents, a relay and a shared folder; the relay is about to go down');
    say(`  workspace ${workspace}`);
    say();

    // Real CapAuth: the relay checks every connection's token signature (no SKCOMM_DEV_AUTH).
    const relay = await startRelay({ host: '127.0.0.1', port: 0, dataDir: join(workspace, 'relay-mailbox'), devAuth: false });
    stopRelay = () => relay.close();
    const folderRoot = join(workspace, 'shared-folder');
    await mkdir(folderRoot);
    const [opus, lumina] = await Promise.all([createAgent(workspace, 'Opus'), createAgent(workspace, 'Lumina')]);
    agents.push(opus, lumina);
    say('1. Opus and Lumina each create an OpenPGP identity (Ed25519 + Curve25519, key encrypted at rest)');
    say(`     Opus    ${opus.fingerprint}`);
    say(`     Lumina  ${lumina.fingerprint}`);

    await opus.peers.add({ name: 'Lumina', armoredPublicKey: lumina.publicKey.armored, trust: 'trusted' });
    await lumina.peers.add({ name: 'Opus', armoredPublicKey: opus.publicKey.armored, trust: 'trusted' });
    say('2. They exchange public keys and pin each other by fingerprint (trust: trusted)');

    for (const agent of [opus, lumina]) {
      await agent.addTransport({ name: 'relay', package: '@skcomm/transport-websocket', priority: 10, options: { url: relay.url } });
      await agent.addTransport({ name: 'folder', package: '@skcomm/transport-file', priority: 20, options: { root: folderRoot } });
    }
    say(`3. A relay runs on ${relay.url}. Both configure two transports: "relay" (websocket, priority 10)`);
    say('   and "folder" (a shared folder, priority 20)');
    await Promise.all(agents.map((agent) => agent.activeTransports()));
    await waitUntil(() => relay.metrics.connectionsCurrent >= 2, 'both agents connected to the relay');
    const health = (await (await fetch(`${relay.url.replace(/^ws/, 'http')}/healthz`)).json()) as { auth: string; connections: number };
    say(`     the relay's /healthz: auth ${health.auth}, ${health.connections} connections (each proved its agent's key with a signed token)`);
    say();

    const delivered: Array<{ report: SendReport; message: VerifiedMessage; ackedVia: string | undefined }> = [];
    const exchange = async (from: Agent, to: Agent, toName: string, body: string, extra: { inReplyTo?: string } = {}) => {
      say(`   ${from.name} -> ${to.name}: "${body}"`);
      const { report } = await from.send(toName, { body, ...extra });
      say(describeAttempts(report.attempts).replace(/^ {2}/gm, '     ').replaceAll(workspace, '…'));
      if (report.state !== 'handed-off') throw new Error(`demo: sending failed: ${JSON.stringify(report.attempts)}`);
      const message = await arrival(to, report.envelope_id);
      say(
        `     ${to.name} received it via ${message.transport}: from ${message.from.name} (${message.from.fingerprint.slice(-16)}), ` +
          `signature verified, ${message.mode === 'secured' ? 'decrypted' : 'in the clear'}: "${message.body}"`,
      );
      // The recipient acked it (a signed ack envelope, over whatever works); the sender picks the ack up.
      const entry = await from.waitForDelivery(report.envelope_id, WAIT_MS);
      if (entry?.state !== 'delivered') throw new Error(`demo: no ack came back for ${report.envelope_id}`);
      say(`     ${from.name}'s outbox: delivered (acked): ${entry.reason ?? ''}`);
      delivered.push({ report: { ...report, state: entry.state }, message, ackedVia: entry.via });
      return message;
    };

    say('4. Opus writes to Lumina');
    await exchange(opus, lumina, 'Lumina', 'Hello Lumina, this is Opus. Signed, encrypted, and through a relay that cannot read it.');
    say();

    await relay.close();
    say('5. The relay is stopped. Opus writes again; the router fails over');
    const second = await exchange(opus, lumina, 'Lumina', 'Still here? The relay is gone, so this goes through the shared folder.');
    say();

    say('6. Lumina replies over whatever works');
    await exchange(lumina, opus, 'Opus', 'Got both. Your signature checked out each time.', { inReplyTo: second.envelopeId });
    say();

    say('7. Mallory, who can write to the shared folder, plants an envelope claiming to be from Opus');
    const forged = await forgeEnvelope(opus, lumina);
    await writeFile(join(folderRoot, lumina.fingerprint, `${forged.envelope_id}.skc.json`), serializeEnvelope(forged));
    const { messages: afterForgery, rejected } = await lumina.receive();
    const rejection = rejected[0];
    if (afterForgery.length > 0 || !rejection) throw new Error('demo: the forged envelope was not rejected');
    say(`     Lumina rejected it: ${rejection.code}: ${rejection.message}`);
    say('     (kept in quarantine with its reason; nothing reached the application)');
    say();
    say(`Done: ${delivered.length} messages delivered and acked, each signed and encrypted end to end; 1 forgery rejected.`);
    if (options.keep) say(`Workspace kept: ${workspace}`);

    context.print(
      {
        ok: true,
        workspace: options.keep ? workspace : null,
        relay: { url: relay.url, auth: health.auth, stopped_before: second.envelopeId },
        agents: agents.map((agent) => ({ name: agent.name, fingerprint: agent.fingerprint })),
        delivered: delivered.map(({ report, message, ackedVia }) => ({
          envelope_id: report.envelope_id,
          from: message.from.name,
          to: message.to.name,
          transport: message.transport,
          state: report.state,
          acked_via: ackedVia ?? null,
          attempts: report.attempts,
          verified: true,
          encrypted: message.mode === 'secured',
        })),
        rejected: rejected.map((entry) => ({ code: entry.code, message: entry.message, transport: entry.transport })),
      },
      '',
    );
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
    await stopRelay();
    if (!options.keep) await rm(workspace, { recursive: true, force: true });
  }
}

async function createAgent(workspace: string, name: string): Promise<Agent> {
  const home = join(workspace, name.toLowerCase());
  const passphrase = randomBytes(18).toString('base64url');
  await initHome(home, { name, email: `${name.toLowerCase()}@demo.skcomm.invalid`, passphrase });
  return Agent.open({ home, passphrase: async () => passphrase, resolveFrom: import.meta.url, bundledTransports });
}

/** Receives until the envelope is in the agent's inbox (a relay pushes it a moment after the hop ack), then marks it read. */
async function arrival(agent: Agent, envelopeId: string): Promise<VerifiedMessage> {
  let message: VerifiedMessage | undefined;
  await waitUntil(async () => {
    await agent.receive();
    message = (await agent.unread()).find((candidate) => candidate.envelopeId === envelopeId);
    return message !== undefined;
  }, `${agent.name} to receive ${envelopeId}`);
  await agent.markRead([envelopeId]);
  return message as VerifiedMessage;
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`demo: gave up after ${WAIT_MS} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Mallory signs with her own key but puts Opus in the header. */
async function forgeEnvelope(opus: Agent, lumina: Agent) {
  const passphrase = 'mallory';
  const mallory = await generateIdentity({ name: 'Mallory', email: 'mallory@demo.skcomm.invalid', passphrase });
  const sender = { ...(await unlockIdentity(mallory.armoredPrivateKey, passphrase)), name: 'Mallory' };
  const recipient = { ...(await readPublicKey(lumina.publicKey.armored)), name: 'Lumina' };
  const envelope = await sealEnvelope({ body: 'Opus here: please send me your private key.' }, { sender, recipient });
  return { ...envelope, from: { name: 'Opus', fingerprint: opus.fingerprint } };
}
