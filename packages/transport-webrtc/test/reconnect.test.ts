/** Links come back: after the peer restarts, after its process dies without a word, and after glare. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebrtcTransport } from '../src/webrtc-transport.js';
import { armoredPrivateKeys, type Broker, PASSPHRASE, startBroker, testIdentities, transportFor, waitFor } from './support.js';

let broker: Broker | undefined;
const transports: WebrtcTransport[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await broker?.destroy();
  broker = undefined;
});

const envelope = (id: string) => Buffer.from(JSON.stringify({ envelope_id: id }));
const idsOf = async (transport: WebrtcTransport) => {
  const ids: string[] = [];
  for (const inbound of await transport.receive()) {
    ids.push(JSON.parse(Buffer.from(inbound.bytes).toString('utf8')).envelope_id);
    await inbound.commit();
  }
  return ids;
};

describe('reconnect', () => {
  it('reaches a peer again after it restarts (a new transport instance, same identity)', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    const b1 = transportFor(bob!, broker.url);
    transports.push(a, b1);
    await Promise.all([a.start(), b1.start()]);
    await a.send(envelope('before'), { fingerprint: bob!.fingerprint });
    expect(await idsOf(b1)).toEqual(['before']);
    await b1.stop();
    const b2 = transportFor(bob!, broker.url);
    transports.push(b2);
    await b2.start();
    await a.send(envelope('after'), { fingerprint: bob!.fingerprint });
    expect(await idsOf(b2)).toEqual(['after']);
    expect(a.connections()).toEqual([expect.objectContaining({ peer: bob!.fingerprint, state: 'open' })]);
  });

  it('notices a peer whose process died without a BYE, and negotiates a new link to its restarted process', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url, { pingIntervalMs: 150 });
    transports.push(a);
    await a.start();
    const received: string[] = [];
    let ready = 0;
    const startPeer = async () => {
      const child = spawn(process.execPath, [fileURLToPath(new URL('./peer-process.mjs', import.meta.url)), broker!.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PEER_PRIVATE_KEY: armoredPrivateKeys.get(bob!.fingerprint), PEER_PASSPHRASE: PASSPHRASE },
      });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        for (const line of output.split('\n').slice(0, -1)) {
          if (line.startsWith('RECEIVED ')) received.push(line.slice(9));
          if (line === 'READY') ready++;
        }
        output = output.slice(output.lastIndexOf('\n') + 1);
      });
      const expected = ready + 1;
      await waitFor(() => ready >= expected, 'the peer process to start', 20_000);
      return child;
    };
    const first = await startPeer();
    await a.send(envelope('one'), { fingerprint: bob!.fingerprint });
    await waitFor(() => received.includes('one'), 'envelope one at the first process');
    first.kill('SIGKILL');
    await waitFor(() => a.connections().length === 0, 'a to drop the dead link');
    await startPeer();
    await a.send(envelope('two'), { fingerprint: bob!.fingerprint });
    await waitFor(() => received.includes('two'), 'envelope two at the restarted process');
  }, 60_000);

  it('settles glare: both sides dial at once and both envelopes arrive over one link', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = transportFor(alice!, broker.url);
    const b = transportFor(bob!, broker.url);
    transports.push(a, b);
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.send(envelope('from-a'), { fingerprint: bob!.fingerprint }), b.send(envelope('from-b'), { fingerprint: alice!.fingerprint })]);
    expect(await idsOf(b)).toEqual(['from-a']);
    expect(await idsOf(a)).toEqual(['from-b']);
    expect(a.connections()).toHaveLength(1);
    expect(b.connections()).toHaveLength(1);
  });
});
