/**
 * `skcomm demo`: two agents in a temporary directory exchange signed, encrypted
 * messages over two real shared-folder transports; the first one disappears midway
 * (a USB stick unplugged) and the router fails over to the second. A forged envelope
 * planted in the folder is rejected. Everything runs through the same Agent, stores,
 * loader and router as the real commands.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeEnvelope, type VerifiedMessage } from '@skcomm/core';
import { Agent, type SendReport } from '@skcomm/core/agent';
import { generateIdentity, readPublicKey, sealEnvelope, unlockIdentity } from '@skcomm/core/crypto';
import { initHome } from '@skcomm/core/store';
import type { CliContext } from '../context.js';
import { describeAttempts } from '../report.js';

export default async function demo(context: CliContext, options: { keep?: boolean }): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'skcomm-demo-'));
  const say = (line = '') => {
    if (!context.json) context.out.write(`${line}\n`);
  };
  const agents: Agent[] = [];
  try {
    say('SKComm demo: two agents, two shared folders, one of them about to disappear');
    say(`  workspace ${workspace}`);
    say();

    const usbRoot = join(workspace, 'usb-stick');
    const syncRoot = join(workspace, 'synced-folder');
    await Promise.all([mkdir(usbRoot), mkdir(syncRoot)]);
    const [opus, lumina] = await Promise.all([createAgent(workspace, 'Opus'), createAgent(workspace, 'Lumina')]);
    agents.push(opus, lumina);
    say('1. Opus and Lumina each create an OpenPGP identity (Ed25519 + Curve25519, key encrypted at rest)');
    say(`     Opus    ${opus.fingerprint}`);
    say(`     Lumina  ${lumina.fingerprint}`);

    await opus.peers.add({ name: 'Lumina', armoredPublicKey: lumina.publicKey.armored, trust: 'trusted' });
    await lumina.peers.add({ name: 'Opus', armoredPublicKey: opus.publicKey.armored, trust: 'trusted' });
    say('2. They exchange public keys and pin each other by fingerprint (trust: trusted)');

    for (const agent of [opus, lumina]) {
      await agent.addTransport({ name: 'usb', package: '@skcomm/transport-file', priority: 10, options: { root: usbRoot } });
      await agent.addTransport({ name: 'sync', package: '@skcomm/transport-file', priority: 20, options: { root: syncRoot } });
    }
    say('3. Both configure two transports: "usb" (a USB stick, priority 10) and "sync" (a synced folder, priority 20)');
    say();

    const delivered: Array<{ report: SendReport; message: VerifiedMessage }> = [];
    const exchange = async (from: Agent, to: Agent, toName: string, body: string, extra: { inReplyTo?: string } = {}) => {
      say(`   ${from.name} -> ${to.name}: "${body}"`);
      const { report } = await from.send(toName, { body, ...extra });
      say(describeAttempts(report.attempts).replace(/^ {2}/gm, '     ').replaceAll(workspace, '…'));
      if (report.state !== 'handed-off') throw new Error(`demo: sending failed: ${JSON.stringify(report.attempts)}`);
      const { messages } = await to.receive();
      await to.markRead(messages.map((message) => message.envelopeId));
      const message = messages.find((candidate) => candidate.envelopeId === report.envelope_id);
      if (!message) throw new Error(`demo: ${to.name} did not receive ${report.envelope_id}`);
      say(
        `     ${to.name} received it via ${message.transport}: from ${message.from.name} (${message.from.fingerprint.slice(-16)}), ` +
          `signature verified, ${message.mode === 'secured' ? 'decrypted' : 'in the clear'}: "${message.body}"`,
      );
      // The recipient acked it (a signed ack envelope); the sender picks the ack up.
      const { acks } = await from.receive();
      const entry = (await from.outbox()).get(report.envelope_id);
      if (acks === 0 || entry?.state !== 'delivered') throw new Error(`demo: no ack came back for ${report.envelope_id}`);
      say(`     ${from.name}'s outbox: delivered (acked): ${entry.reason ?? ''}`);
      delivered.push({ report: { ...report, state: entry.state }, message });
      return message;
    };

    say('4. Opus writes to Lumina');
    await exchange(opus, lumina, 'Lumina', 'Hello Lumina, this is Opus. Signed, encrypted, and on a USB stick.');
    say();

    await rename(usbRoot, `${usbRoot}.unplugged`);
    say('5. The USB stick is unplugged (its folder is gone). Opus writes again; the router fails over');
    const second = await exchange(opus, lumina, 'Lumina', 'Still here? The stick is gone, so this goes through the synced folder.');
    say();

    say('6. Lumina replies over whatever works');
    await exchange(lumina, opus, 'Opus', 'Got both. Your signature checked out each time.', { inReplyTo: second.envelopeId });
    say();

    say('7. Mallory, who can write to the synced folder, plants an envelope claiming to be from Opus');
    const forged = await forgeEnvelope(opus, lumina);
    await writeFile(join(syncRoot, lumina.fingerprint, `${forged.envelope_id}.skc.json`), serializeEnvelope(forged));
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
        agents: agents.map((agent) => ({ name: agent.name, fingerprint: agent.fingerprint })),
        delivered: delivered.map(({ report, message }) => ({
          envelope_id: report.envelope_id,
          from: message.from.name,
          to: message.to.name,
          transport: message.transport,
          state: report.state,
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
    if (!options.keep) await rm(workspace, { recursive: true, force: true });
  }
}

async function createAgent(workspace: string, name: string): Promise<Agent> {
  const home = join(workspace, name.toLowerCase());
  const passphrase = randomBytes(18).toString('base64url');
  await initHome(home, { name, email: `${name.toLowerCase()}@demo.skcomm.invalid`, passphrase });
  return Agent.open({ home, passphrase: async () => passphrase, resolveFrom: import.meta.url });
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
