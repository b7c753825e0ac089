/**
 * Raw baseline for seal, bare openpgp.js, binary format. params.variant:
 *   a: encrypt+sign only (one OpenPGP message)
 *   b: encrypt+sign plus one detached signature over the ciphertext (the cryptographic
 *      work of one SKComm envelope: inner signature + encryption, outer signature)
 */
import { bareKeys, bareOpen, bareSeal } from './bare.mjs';
import { body1KiB, documentLikeBytes, measure, params, report, run } from './lib.mjs';

run(async () => {
  const options = params({ variant: 'b' });
  const keys = await bareKeys();
  const plaintext = documentLikeBytes(body1KiB());
  const seal = () => bareSeal(plaintext, keys, options.variant);

  const sealed = await seal(); // sanity: what we measure opens again
  const data = await bareOpen(sealed, keys, options.variant);
  if (Buffer.compare(data, plaintext) !== 0) throw new Error('bare seal does not open to its plaintext');

  const bytes = sealed.ciphertext.byteLength + (sealed.signature?.byteLength ?? 0);
  report({ ...(await measure(seal, options)), bytesPerMessage: bytes });
});
