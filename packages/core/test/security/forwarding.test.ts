/**
 * T1, surreptitious forwarding (Davis 2001). Bob decrypts Opus's signed message and
 * re-encrypts it, Opus's inner signature intact, to Carol, hoping Carol believes Opus
 * wrote to her. Bob holds only his own key, so the best outer signature he can make is
 * his own. The signed document names Bob as the recipient, which is the binding that
 * holds when the outer layer cannot help (open mode).
 */
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Envelope, ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'bob' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'bob', 'carol']);
});
afterAll(() => agents.cleanup());

/**
 * What Bob can do with an envelope Opus sealed to him: decrypt it, keep Opus's inner
 * signature packet and the signed bytes as a signed message (Signature, Literal Data),
 * and encrypt that to Carol. No key of Opus is involved.
 */
async function reencryptToCarol(original: Envelope): Promise<string> {
  const { data, signatures } = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage: original.payload.content_encrypted! }),
    decryptionKeys: agents.bob.identity.privateKey,
    format: 'binary',
  });
  const opusSignature = await signatures[0]!.signature;
  const literal = (await openpgp.createMessage({ binary: data })).packets;
  const signedByOpus = new openpgp.Message(new openpgp.PacketList(...opusSignature.packets, ...literal));
  return openpgp.encrypt({ message: signedByOpus, encryptionKeys: agents.carol.publicKey.key, format: 'armored' });
}

describe('forwarding (T1)', () => {
  test('the re-encrypted content really carries a valid signature by Opus (the attack is faithful)', async () => {
    const original = await agents.opus.seal(agents.bob, { body: 'for bob only' });
    const forwarded = await reencryptToCarol(original);
    const { signatures } = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: forwarded }),
      decryptionKeys: agents.carol.identity.privateKey,
      verificationKeys: agents.opus.publicKey.key,
      expectSigned: true,
    });
    await expect(signatures[0]!.verified).resolves.toBe(true);
  });

  test('claiming to be from Opus, signed by Bob: E_SIGNATURE_INVALID, for every message', async () => {
    for (let index = 0; index < 10; index++) {
      const original = await agents.opus.seal(agents.bob, { body: `message ${index}` });
      const content = await reencryptToCarol(original);
      const forged = mutate(original, (copy) => {
        copy.to = { name: 'carol', fingerprint: agents.carol.identity.fingerprint };
        copy.payload.content_encrypted = content;
      });
      const outcome = await expectRejected(agents.carol, await resign(forged, agents.bob.identity), ErrorCode.SignatureInvalid);
      expect(outcome.error.field).toBe('payload.signature');
    }
  });

  test("keeping Opus's original outer signature: E_SIGNATURE_INVALID", async () => {
    const original = await agents.opus.seal(agents.bob);
    const content = await reencryptToCarol(original);
    const forged = mutate(original, (copy) => {
      copy.to = { name: 'carol', fingerprint: agents.carol.identity.fingerprint };
      copy.payload.content_encrypted = content;
    });
    await expectRejected(agents.carol, forged, ErrorCode.SignatureInvalid);
  });

  test('honestly from Bob, carrying content signed by Opus: the inner signature is checked with Bob\'s key only', async () => {
    const original = await agents.opus.seal(agents.bob);
    const content = await reencryptToCarol(original);
    const relayed = mutate(original, (copy) => {
      copy.from = { name: 'bob', fingerprint: agents.bob.identity.fingerprint };
      copy.to = { name: 'carol', fingerprint: agents.carol.identity.fingerprint };
      copy.payload.content_encrypted = content;
    });
    const outcome = await expectRejected(agents.carol, await resign(relayed, agents.bob.identity), ErrorCode.SignatureInvalid);
    expect(outcome.error.field).toBe('payload.content_encrypted');
  });

  test('the original envelope sent on to Carol: she cannot decrypt it', async () => {
    await expectRejected(agents.carol, await agents.opus.seal(agents.bob), ErrorCode.DecryptFailed);
  });

  test('open mode, forwarded unchanged (valid outer signature by Opus): E_RECIPIENT_MISMATCH', async () => {
    await expectRejected(agents.carol, await agents.opus.seal(agents.bob, { body: 'open, for bob' }, 'open'), ErrorCode.RecipientMismatch);
  });

  test('open mode, outer recipient rewritten to Carol: E_SIGNATURE_INVALID', async () => {
    const original = await agents.opus.seal(agents.bob, { body: 'open, for bob' }, 'open');
    const forged = mutate(original, (copy) => {
      copy.to = { name: 'carol', fingerprint: agents.carol.identity.fingerprint };
    });
    await expectRejected(agents.carol, forged, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(forged, agents.bob.identity), ErrorCode.SignatureInvalid);
  });
});
