/** Detached OpenPGP signatures over byte strings, verified against one pinned key only. */
import * as openpgp from 'openpgp';
import { ErrorCode, RejectionError } from '../errors.js';
import { armor, dearmor } from './armor.js';
import { openpgpConfig } from './config.js';
import type { PublicKeyHandle, SigningIdentityHandle } from './keys.js';
import { messageOf } from './keys.js';

export async function signDetached(bytes: Uint8Array, signer: SigningIdentityHandle): Promise<string> {
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: bytes }),
    signingKeys: signer.privateKey,
    detached: true,
    format: 'binary',
    config: openpgpConfig,
  });
  return armor(signature, 'signature');
}

/**
 * Verifies `armoredSignature` over `bytes` with `signer`'s key and nothing else
 * (openpgp.js accepts any one valid signature among the keys it is given).
 */
export async function verifyDetached(bytes: Uint8Array, armoredSignature: string, signer: PublicKeyHandle, what: string): Promise<void> {
  try {
    const signature = await openpgp.readSignature({ binarySignature: dearmor(armoredSignature, 'signature'), config: openpgpConfig });
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: bytes }),
      signature,
      verificationKeys: signer.key,
      expectSigned: true,
      format: 'binary',
      date: new Date(),
      config: openpgpConfig,
    });
    if (result.signatures.length !== 1) throw new Error(`expected one signature, found ${result.signatures.length}`);
    await Promise.all(result.signatures.map((entry) => entry.verified));
  } catch (cause) {
    throw new RejectionError(ErrorCode.SignatureInvalid, `${what} does not verify with the key of ${signer.fingerprint}: ${messageOf(cause)}`, {
      cause,
      field: 'payload.signature',
    });
  }
}
