import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger } from '@skcomm/core';
import { GENERATED_KEY_FILE, libp2p, type Libp2pTransport } from '../src/index.js';
import { writeNewKeyFile } from '../src/peer-key.js';
import { addressOf, bytesOf, FINGERPRINT_A, FINGERPRINT_B, libp2pTransport, randomPeerId, temporaryDirectory } from './support.js';

describe('peer identity', () => {
  const started: Libp2pTransport[] = [];
  afterEach(async () => {
    for (const transport of started.splice(0)) await transport.stop();
  });

  async function start(transport: Libp2pTransport): Promise<Libp2pTransport> {
    started.push(transport);
    await transport.start();
    return transport;
  }

  it('refuses a node whose peer id is not the one the address names, non-retryably, and delivers nothing', async () => {
    const receiver = await start(libp2pTransport());
    const sender = await start(libp2pTransport({}, FINGERPRINT_A));
    const impostorAddress = addressOf(receiver).replace(/\/p2p\/.+$/, `/p2p/${await randomPeerId()}`);
    await expect(sender.send(bytesOf('for someone else'), { fingerprint: FINGERPRINT_B, address: impostorAddress })).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('is not the peer that address names'),
    });
    expect(await receiver.receive()).toEqual([]);
  });

  it.each([
    ['without a peer id', '/ip4/127.0.0.1/tcp/4001'],
    ['that is not a multiaddr', '127.0.0.1:4001'],
    ['with an invalid peer id', '/ip4/127.0.0.1/tcp/4001/p2p/notapeerid'],
  ])('refuses an address %s, non-retryably', async (_name, address) => {
    const sender = await start(libp2pTransport());
    await expect(sender.send(bytesOf('x'), { fingerprint: FINGERPRINT_B, address })).rejects.toMatchObject({ retryable: false });
  });

  it('refuses a send without an address as "no route"', async () => {
    const sender = await start(libp2pTransport());
    await expect(sender.send(bytesOf('x'), { fingerprint: FINGERPRINT_B })).rejects.toMatchObject({ code: ErrorCode.NoRoute, retryable: false });
  });

  it('keeps its peer id across restarts and processes, in a 0600 key file in the state directory', async () => {
    const stateDir = temporaryDirectory();
    const create = () => libp2p()({ selfFingerprint: FINGERPRINT_B, stateDir, logger: silentLogger });
    const first = await start(create());
    const peerId = first.peerId;
    await first.stop();
    const second = await start(create());
    expect(second.peerId).toBe(peerId);
    expect((await stat(join(stateDir, GENERATED_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('uses a configured key file, generates it when missing, and refuses one that others can read', async () => {
    const key = await generateKeyPair('Ed25519');
    const keyFile = join(temporaryDirectory(), 'peer.key');
    await writeNewKeyFile(keyFile, key);
    const configured = await start(libp2pTransport({ keyFile }));
    expect(configured.peerId).toBe(peerIdFromPrivateKey(key).toString());

    await configured.stop();
    const generatedFile = join(temporaryDirectory(), 'new.key');
    const generated = await start(libp2pTransport({ keyFile: generatedFile }));
    await generated.stop();
    expect((await stat(generatedFile)).mode & 0o777).toBe(0o600);
    expect((await start(libp2pTransport({ keyFile: generatedFile }))).peerId).toBe(generated.peerId);

    await chmod(keyFile, 0o644);
    await expect(libp2pTransport({ keyFile }).start()).rejects.toMatchObject({ code: ErrorCode.InsecurePermissions });
  });

  it('refuses a key file that does not hold a key, without echoing its content', async () => {
    const keyFile = join(temporaryDirectory(), 'key');
    await writeFile(keyFile, 'secret-looking-garbage\n', { mode: 0o600 });
    const error = await libp2pTransport({ keyFile }).start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.KeyInvalid });
    expect(String((error as Error).message)).not.toContain('secret-looking-garbage');
  });
});
