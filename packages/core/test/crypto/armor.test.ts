/**
 * The strict armor codec: byte-identical to what openpgp.js wrote before (the wire
 * format did not change), reads what GnuPG writes, and refuses every damaged or
 * wrong-type block with a typed RejectionError (threat model (d) 7, OP-01-019).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { armor, type ArmorType, dearmor, MAX_ARMOR_CHARS } from '../../src/crypto/armor.js';
import { openpgpConfig } from '../../src/crypto/config.js';
import { openEnvelope, readPublicKey, signDetached, verifyDetached } from '../../src/crypto/index.js';
import { detachedSignatureInput, ErrorCode, RejectionError, SkcommError } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { Gpg } from '../helpers/gpg.js';

const TYPES: readonly ArmorType[] = ['message', 'signature'];
const CODES = { message: ErrorCode.DecryptFailed, signature: ErrorCode.SignatureInvalid } as const;
const LABELS = { message: 'PGP MESSAGE', signature: 'PGP SIGNATURE' } as const;
const fullConfig = { ...openpgp.config, ...openpgpConfig } as openpgp.Config;

function openpgpArmor(bytes: Uint8Array, type: ArmorType): string {
  const kind = type === 'message' ? openpgp.enums.armor.message : openpgp.enums.armor.signature;
  // What openpgp.js's Message.armor() and Signature.armor() emit for v4 packets: a CRC24 line.
  return (openpgp as unknown as { armor: (...args: unknown[]) => string }).armor(kind, bytes, undefined, undefined, undefined, true, fullConfig);
}

function expectRejected(text: string, type: ArmorType): void {
  let thrown: unknown;
  try {
    dearmor(text, type);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RejectionError);
  expect(SkcommError.hasCode(thrown, CODES[type])).toBe(true);
}

const arbitraryBytes = fc.uint8Array({ minLength: 1, maxLength: 400 });
const arbitraryType = fc.constantFrom(...TYPES);

describe('armor and dearmor', () => {
  test('armor writes exactly what openpgp.js writes, and both directions round-trip', () => {
    fc.assert(
      fc.property(arbitraryBytes, arbitraryType, (bytes, type) => {
        const ours = armor(bytes, type);
        expect(ours).toBe(openpgpArmor(bytes, type));
        expect(dearmor(ours, type)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  test('openpgp.js reads our armor of a real sealed envelope, and we read its armor', async () => {
    const agents = await makeTestAgents(['ann', 'ben']);
    try {
      const envelope = await agents.ann.seal(agents.ben);
      const content = envelope.payload.content_encrypted!;
      await openpgp.readMessage({ armoredMessage: content, config: openpgpConfig });
      await openpgp.readSignature({ armoredSignature: envelope.payload.signature, config: openpgpConfig });
      for (const [text, type] of [[content, 'message'], [envelope.payload.signature, 'signature']] as const) {
        const { data } = await openpgp.unarmor(text, fullConfig);
        expect(dearmor(text, type)).toEqual(data);
      }
      const opened = await openEnvelope(envelope, { self: agents.ben.identity, senderKey: agents.ann.publicKey });
      expect(opened.mode).toBe('secured');
    } finally {
      await agents.cleanup();
    }
  });

  test('accepts CRLF line ends, no CRC line, and Version/Comment/Charset headers', () => {
    const bytes = Uint8Array.from([0xc1, 0x02, 0x03, 0x04, 0x05]);
    for (const type of TYPES) {
      const plain = armor(bytes, type);
      expect(dearmor(plain.replace(/\n/g, '\r\n'), type)).toEqual(bytes);
      expect(dearmor(plain.replace(/\n=.{4}\n/, '\n'), type)).toEqual(bytes);
      expect(dearmor(plain.replace('-----\n\n', '-----\nVersion: GnuPG v2\nComment: hello: there\nCharset: UTF-8\n\n'), type)).toEqual(bytes);
      expect(dearmor(plain.slice(0, -1), type)).toEqual(bytes);
    }
  });

  test('refuses wrong block types, header tricks, junk and concatenated blocks', () => {
    const bytes = Uint8Array.from([0xc1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
    for (const type of TYPES) {
      const valid = armor(bytes, type);
      const label = LABELS[type];
      const other = LABELS[type === 'message' ? 'signature' : 'message'];
      const cases = [
        valid.replaceAll(label, other),
        valid.replaceAll(label, 'PGP PUBLIC KEY BLOCK'),
        valid.replaceAll(label, 'PGP PRIVATE KEY BLOCK'),
        valid.replaceAll(label, `${label}, PART 1/2`),
        `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nhello\n${valid}`,
        valid.replace('-----\n\n', '-----\nHash: SHA1\n\n'),
        valid.replace('-----\n\n', '-----\nMessageID: x\n\n'),
        valid.replace('-----\n\n', '-----\nComment: \u0007bell\n\n'),
        valid.replace('-----\n\n', '-----\nComment:no-space\n\n'),
        valid.replace('-----\n\n', '-----\n'),
        valid.replace('-----\n\n', '-----\n\n\n'),
        valid.replace(/\n=(.{4})\n/, (_, crc: string) => `\n=${crc === 'AAAA' ? 'AAAB' : 'AAAA'}\n`),
        `junk\n${valid}`,
        ` ${valid}`,
        `${valid}junk`,
        `${valid}\n`,
        `${valid}${valid}`,
        valid.replace(`-----END ${label}-----`, `-----END ${other}-----`),
        valid.replace(`-----BEGIN ${label}-----`, `-----BEGIN ${label}----- `),
        `-----BEGIN ${label}-----\n\n=AAAA\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\nwQ=\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\nwR==\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\nwQ==\nwQ==\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\nwQ= =\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\n${'A'.repeat(80)}\n-----END ${label}-----\n`,
        `-----BEGIN ${label}-----\n\n${'AAAA\n'.repeat(MAX_ARMOR_CHARS / 5 + 1)}-----END ${label}-----\n`,
      ];
      for (const text of cases) expectRejected(text, type);
    }
  });

  test('every truncation is refused (except dropping the final line end) with a typed error', () => {
    fc.assert(
      fc.property(arbitraryBytes, arbitraryType, fc.nat(), (bytes, type, cut) => {
        const valid = armor(bytes, type);
        const length = cut % (valid.length - 1);
        expectRejected(valid.slice(0, length), type);
        expectRejected(valid.slice(length + 1), type);
      }),
      { numRuns: 300 },
    );
  });

  test('every single bit flip is refused with a typed error', () => {
    fc.assert(
      fc.property(arbitraryBytes, arbitraryType, fc.nat(), (bytes, type, bit) => {
        const valid = Buffer.from(armor(bytes, type), 'latin1');
        const position = bit % (valid.length * 7);
        // ASCII text: flip one of the low 7 bits of one character.
        valid[Math.floor(position / 7)]! ^= 1 << (position % 7);
        expectRejected(valid.toString('latin1'), type);
      }),
      { numRuns: 500 },
    );
  });

  test('junk around a valid block is refused', () => {
    const junk = fc.string({ minLength: 1, maxLength: 40, unit: 'binary-ascii' });
    fc.assert(
      fc.property(arbitraryBytes, arbitraryType, junk, fc.boolean(), (bytes, type, extra, before) => {
        const valid = armor(bytes, type);
        expectRejected(before ? `${extra}${valid}` : `${valid}${extra}`, type);
      }),
      { numRuns: 300 },
    );
  });

  test('a non-string value is refused with a typed error', () => {
    expectRejected(undefined as unknown as string, 'message');
    expectRejected(42 as unknown as string, 'signature');
  });
});

describe('GnuPG armor', () => {
  let gpg: Gpg;
  let fingerprint: string;

  beforeAll(async () => {
    gpg = await Gpg.create();
    await gpg.run(['--passphrase', '', '--quick-gen-key', 'Dora <dora@example.org>', 'ed25519', 'sign,cert', 'never']);
    fingerprint = await gpg.fingerprintOf('dora@example.org');
    await gpg.run(['--passphrase', '', '--quick-add-key', fingerprint, 'cv25519', 'encr', 'never']);
  }, 60_000);

  afterAll(async () => {
    await gpg?.close();
  });

  async function gpgArmored(args: string[], name: string): Promise<{ armored: string; binary: Uint8Array }> {
    const input = join(gpg.home, 'input.txt');
    await writeFile(input, 'armor interop test\n');
    const output = join(gpg.home, name);
    await gpg.run(['--yes', '--armor', '--comment', 'made by GnuPG', ...args, '--output', output, input]);
    await gpg.run(['--yes', '--dearmor', '--output', `${output}.bin`, output]);
    return { armored: await readFile(output, 'utf8'), binary: new Uint8Array(await readFile(`${output}.bin`)) };
  }

  test('reads gpg --armor messages and detached signatures, with a Comment header and CRC', async () => {
    const message = await gpgArmored(['--sign', '--encrypt', '-r', fingerprint, '-u', fingerprint], 'message.asc');
    expect(message.armored).toMatch(/^-----BEGIN PGP MESSAGE-----\nComment: made by GnuPG\n\n/);
    expect(message.armored).toMatch(/\n=[A-Za-z0-9+/]{4}\n-----END PGP MESSAGE-----\n$/);
    expect(dearmor(message.armored, 'message')).toEqual(message.binary);
    expectRejected(message.armored, 'signature');

    const signature = await gpgArmored(['--detach-sign', '-u', fingerprint], 'signature.asc');
    expect(dearmor(signature.armored, 'signature')).toEqual(signature.binary);
    expectRejected(signature.armored, 'message');
  });

  test('refuses a gpg clearsigned message and a gpg public key block', async () => {
    const input = join(gpg.home, 'clear.txt');
    await writeFile(input, 'cleartext\n');
    await gpg.run(['--yes', '--clearsign', '-u', fingerprint, '--output', `${input}.asc`, input]);
    const clearsigned = await readFile(`${input}.asc`, 'utf8');
    expect(clearsigned).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: /);
    const { stdout: publicKey } = await gpg.run(['--armor', '--export', fingerprint]);
    for (const text of [clearsigned, publicKey]) {
      expectRejected(text, 'message');
      expectRejected(text, 'signature');
    }
  });

  test('verifyDetached accepts a gpg signature and refuses it wrapped in a cleartext block', async () => {
    const input = join(gpg.home, 'signed.bin');
    await writeFile(input, 'bytes signed by gpg');
    await gpg.run(['--yes', '--armor', '--detach-sign', '-u', fingerprint, '--output', `${input}.asc`, input]);
    const armored = await readFile(`${input}.asc`, 'utf8');
    const { stdout: publicKey } = await gpg.run(['--armor', '--export', fingerprint]);
    const key = await readPublicKey(publicKey);
    const bytes = new TextEncoder().encode('bytes signed by gpg');
    await verifyDetached(bytes, armored, key, 'gpg signature');
    const wrapped = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nbytes signed by gpg\n${armored}`;
    await expect(verifyDetached(bytes, wrapped, key, 'gpg signature')).rejects.toMatchObject({ code: ErrorCode.SignatureInvalid, field: 'payload.signature' });
  });
});

describe('openEnvelope with bad armor', () => {
  let agents: TestAgents<'ann' | 'ben'>;

  beforeAll(async () => {
    agents = await makeTestAgents(['ann', 'ben']);
  }, 60_000);

  afterAll(async () => {
    await agents?.cleanup();
  });

  test('a second block after the ciphertext or the signature is a typed rejection', async () => {
    const envelope = await agents.ann.seal(agents.ben);
    const options = { self: agents.ben.identity, senderKey: agents.ann.publicKey };
    // Re-signed by the real sender, so the detached signature passes and the ciphertext armor is what fails.
    const unsigned = { ...envelope, payload: { ...envelope.payload, content_encrypted: `${envelope.payload.content_encrypted!}${agents.ann.publicKey.armored}`, signature: '' } };
    const signature = await signDetached(detachedSignatureInput(unsigned), agents.ann.identity);
    const withContent = { ...unsigned, payload: { ...unsigned.payload, signature } };
    await expect(openEnvelope(withContent, options)).rejects.toMatchObject({ code: ErrorCode.DecryptFailed, field: 'payload.content_encrypted' });
    await expect(openEnvelope(withContent, options)).rejects.toBeInstanceOf(RejectionError);
    const withSignature = { ...envelope, payload: { ...envelope.payload, signature: `${envelope.payload.signature}${envelope.payload.signature}` } };
    await expect(openEnvelope(withSignature, options)).rejects.toMatchObject({ code: ErrorCode.SignatureInvalid, field: 'payload.signature' });
  });
});
