/**
 * The raw baseline's setup: bare openpgp.js, no @skcomm/core. Same key type as core
 * (v4 ecc curve25519Legacy: EdDSA + ECDH), generated with a passphrase like an SKComm
 * identity, then parsed and unlocked ONCE. Messages are binary (no armor).
 */
import * as openpgp from 'openpgp';
import { PASSPHRASE } from './lib.mjs';

/**
 * The message-format settings of packages/core/src/crypto/config.ts, copied rather than
 * imported so that this side stays pure openpgp.js: SEIPDv1 (no AEAD), AES-256,
 * SHA-512, no compression, v4 keys, strict grammar.
 */
export const config = {
  aeadProtect: false,
  v6Keys: false,
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  preferredHashAlgorithm: openpgp.enums.hash.sha512,
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  enforceGrammar: true,
  maxDecompressedMessageSize: 1024 * 1024,
};

async function keyPair(name) {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name }],
    passphrase: PASSPHRASE,
    format: 'armored',
    config,
  });
  const locked = await openpgp.readPrivateKey({ armoredKey: privateKey, config });
  return {
    privateKey: await openpgp.decryptKey({ privateKey: locked, passphrase: PASSPHRASE, config }),
    publicKey: await openpgp.readKey({ armoredKey: publicKey, config }),
  };
}

/** Alice (sender) and Bob (recipient), each parsed and unlocked once. */
export async function bareKeys() {
  const [alice, bob] = await Promise.all([keyPair('alice'), keyPair('bob')]);
  return { alice, bob };
}

/** Variant (a): one sign+encrypt message. Variant (b) adds a detached signature over its bytes. */
export async function bareSeal(plaintext, { alice, bob }, variant) {
  const ciphertext = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: plaintext }),
    encryptionKeys: bob.publicKey,
    signingKeys: alice.privateKey,
    format: 'binary',
    config,
  });
  if (variant === 'a') return { ciphertext };
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: ciphertext }),
    signingKeys: alice.privateKey,
    detached: true,
    format: 'binary',
    config,
  });
  return { ciphertext, signature };
}

/**
 * Variant (a): decrypt + verify (expectSigned, the sender's key only, every `verified`
 * awaited). Variant (b) first verifies the detached signature, as core does.
 */
export async function bareOpen({ ciphertext, signature }, { alice, bob }, variant) {
  if (variant === 'b') {
    const checked = await openpgp.verify({
      message: await openpgp.createMessage({ binary: ciphertext }),
      signature: await openpgp.readSignature({ binarySignature: signature, config }),
      verificationKeys: alice.publicKey,
      expectSigned: true,
      format: 'binary',
      config,
    });
    if (checked.signatures.length !== 1) throw new Error('expected one detached signature');
    await checked.signatures[0].verified;
  }
  const { data, signatures } = await openpgp.decrypt({
    message: await openpgp.readMessage({ binaryMessage: ciphertext, config }),
    decryptionKeys: bob.privateKey,
    verificationKeys: alice.publicKey,
    expectSigned: true,
    format: 'binary',
    config,
  });
  if (signatures.length !== 1) throw new Error('expected one inner signature');
  await signatures[0].verified;
  return data;
}
