/**
 * The bare openpgp.js equivalent of one `skcomm send` over a file transport, as a
 * command for the cold-start job: import openpgp, read the sender's passphrase-protected
 * private key and the recipient's public key (armored files), unlock, seal 1 KiB
 * (encrypt+sign, then a detached signature over the ciphertext) and write the result
 * crash-safely (write, fsync, rename).
 *   node seal-once.mjs --setup DIR   writes DIR/alice.key and DIR/bob.pub (once)
 *   node seal-once.mjs DIR           one seal into DIR/out/
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';

const PASSPHRASE = 'bench passphrase';
const config = { aeadProtect: false, v6Keys: false, preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed };

if (process.argv[2] === '--setup') {
  const dir = process.argv[3];
  const generate = (name) =>
    openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], passphrase: PASSPHRASE, format: 'armored', config });
  const [alice, bob] = await Promise.all([generate('alice'), generate('bob')]);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'alice.key'), alice.privateKey);
  writeFileSync(join(dir, 'bob.pub'), bob.publicKey);
  mkdirSync(join(dir, 'out'), { recursive: true });
} else {
  const dir = process.argv[2];
  const [locked, recipient] = await Promise.all([
    openpgp.readPrivateKey({ armoredKey: readFileSync(join(dir, 'alice.key'), 'utf8'), config }),
    openpgp.readKey({ armoredKey: readFileSync(join(dir, 'bob.pub'), 'utf8'), config }),
  ]);
  const sender = await openpgp.decryptKey({ privateKey: locked, passphrase: PASSPHRASE, config });
  const ciphertext = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: Buffer.from(randomBytes(768).toString('base64')) }),
    encryptionKeys: recipient,
    signingKeys: sender,
    format: 'binary',
    config,
  });
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: ciphertext }),
    signingKeys: sender,
    detached: true,
    format: 'binary',
    config,
  });
  const name = join(dir, 'out', randomUUID());
  const file = await open(`${name}.tmp`, 'w');
  await file.writeFile(Buffer.concat([signature, ciphertext]));
  await file.sync();
  await file.close();
  await rename(`${name}.tmp`, `${name}.pgp`);
}
