/**
 * End to end over a shared folder, one message = sent and received.
 * params.variant:
 *   agent  Agent.send -> @skcomm/transport-file -> Agent.receive: seal, durable outbox,
 *          atomic file write, then at the receiver parse, verify, decrypt, durable inbox +
 *          replay record, signed ack sent back (and consumed by the sender).
 *   bare   the raw chain NNCP-style, bare openpgp.js: seal (sign+encrypt + detached sign),
 *          write + fsync + rename into the folder; the receiver lists, reads, verifies,
 *          decrypts and unlinks. No outbox, no inbox, no acks.
 * An operation completes when the receiver has the message, so ops/s is messages/s end to end.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from '@skcomm/core/agent';
import { initHome } from '@skcomm/core/store';
import { bareKeys, bareOpen, bareSeal } from './bare.mjs';
import { body1KiB, documentLikeBytes, measure, PASSPHRASE, params, report, run } from './lib.mjs';

run(async () => {
  const options = params({ variant: 'agent' });
  const root = await mkdtemp(join(tmpdir(), 'skcomm-bench-file-'));
  const shared = join(root, 'shared');
  await mkdir(shared);
  try {
    const setup = options.variant === 'bare' ? bareChain : agentChain;
    const { deliver, stop } = await setup(root, shared);
    const result = await measure(deliver, options);
    await stop();
    report(result);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

/**
 * Resolves each message's waiter when the receiving side has it. A message may arrive
 * before its sender starts waiting (send() still fsyncing its outbox record while the
 * receiver already polled it): that arrival is kept, or the wait would never end.
 */
function waiters() {
  const pending = new Map();
  const early = new Set();
  return {
    wait: (id) => (early.delete(id) ? Promise.resolve() : new Promise((resolve) => pending.set(id, resolve))),
    arrived: (id) => {
      const resolve = pending.get(id);
      if (resolve === undefined) return void early.add(id);
      pending.delete(id);
      resolve();
    },
  };
}

/** Keeps calling `step` until stopped; idles 1 ms when a pass found nothing. */
function pollLoop(step) {
  let running = true;
  const done = (async () => {
    while (running) if ((await step()) === 0) await sleep(1);
  })();
  return async () => {
    running = false;
    await done;
  };
}

async function agentChain(root, shared) {
  const open = async (name) => {
    const home = join(root, name);
    await initHome(home, { name, passphrase: PASSPHRASE });
    return Agent.open({ home, passphrase: async () => PASSPHRASE, resolveFrom: import.meta.url });
  };
  const [opus, lumina] = await Promise.all([open('opus'), open('lumina')]);
  await opus.peers.add({ name: 'lumina', armoredPublicKey: lumina.publicKey.armored, trust: 'trusted' });
  await lumina.peers.add({ name: 'opus', armoredPublicKey: opus.publicKey.armored, trust: 'trusted' });
  for (const agent of [opus, lumina]) {
    await agent.addTransport({ name: 'file', options: { root: shared, watch: false, pollIntervalMs: 50 } });
  }
  const body = body1KiB();
  const { wait, arrived } = waiters();
  const stopReceiver = pollLoop(async () => {
    const { messages } = await lumina.receive();
    for (const message of messages) arrived(message.envelopeId);
    return messages.length;
  });
  // The sender reads the acks coming back (they arrive as envelopes in its own folder).
  const stopAckReader = pollLoop(async () => (await opus.receive()).messages.length);
  const deliver = async () => {
    const { envelopeId, report } = await opus.send('lumina', { body });
    if (report.state !== 'handed-off' && report.state !== 'delivered') throw new Error(`send ended ${report.state}`);
    await wait(envelopeId);
  };
  return {
    deliver,
    stop: async () => {
      await stopReceiver();
      await stopAckReader();
      await Promise.all([opus.close(), lumina.close()]);
    },
  };
}

async function bareChain(_root, shared) {
  const keys = await bareKeys();
  const plaintext = documentLikeBytes(body1KiB());
  const { wait, arrived } = waiters();
  const deliver = async () => {
    const id = randomUUID();
    const sealed = await bareSeal(plaintext, keys, 'b');
    const bytes = Buffer.from(JSON.stringify({ id, c: Buffer.from(sealed.ciphertext).toString('base64'), s: Buffer.from(sealed.signature).toString('base64') }));
    const temp = join(shared, `.${id}.tmp`);
    const handle = await open(temp, 'w', 0o600);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(temp, join(shared, `${id}.json`));
    await wait(id);
  };
  const stopReceiver = pollLoop(async () => {
    const names = (await readdir(shared)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    await Promise.all(
      names.map(async (name) => {
        const path = join(shared, name);
        const { id, c, s } = JSON.parse(await readFile(path, 'utf8'));
        const data = await bareOpen({ ciphertext: Buffer.from(c, 'base64'), signature: Buffer.from(s, 'base64') }, keys, 'b');
        if (data.byteLength !== plaintext.byteLength) throw new Error('wrong plaintext');
        await unlink(path);
        arrived(id);
      }),
    );
    return names.length;
  });
  return { deliver, stop: stopReceiver };
}
