/**
 * The @skcomm/core side's setup: two identities generated with a passphrase, unlocked
 * once (unlockIdentity) and public keys read once (readPublicKey), as an agent does.
 */
import { generateIdentity, readPublicKey, unlockIdentity } from '@skcomm/core/crypto';
import { PASSPHRASE } from './lib.mjs';

export async function coreKeys() {
  const [alice, bob] = await Promise.all(
    ['alice', 'bob'].map((name) => generateIdentity({ name, passphrase: PASSPHRASE })),
  );
  const [aliceSelf, bobSelf, alicePublic, bobPublic] = await Promise.all([
    unlockIdentity(alice.armoredPrivateKey, PASSPHRASE),
    unlockIdentity(bob.armoredPrivateKey, PASSPHRASE),
    readPublicKey(alice.armoredPublicKey),
    readPublicKey(bob.armoredPublicKey),
  ]);
  return {
    /** What sealEnvelope takes: alice sends to bob. */
    seal: { sender: { ...aliceSelf, name: 'alice' }, recipient: { ...bobPublic, name: 'bob' } },
    /** What openEnvelope takes: bob opens with alice's pinned key. */
    open: { self: bobSelf, senderKey: alicePublic },
  };
}
