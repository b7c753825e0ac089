/**
 * Raw baseline for open, bare openpgp.js, binary format. params.variant:
 *   a: decrypt+verify (expectSigned, sender key only)
 *   b: detached verify first, then decrypt+verify (what opening an SKComm envelope costs)
 */
import { bareKeys, bareOpen, bareSeal } from './bare.mjs';
import { body1KiB, documentLikeBytes, measure, params, report, run } from './lib.mjs';

run(async () => {
  const options = params({ variant: 'b' });
  const keys = await bareKeys();
  const plaintext = documentLikeBytes(body1KiB());
  const pool = [];
  for (let i = 0; i < 32; i++) pool.push(await bareSeal(plaintext, keys, 'b'));

  const open = async (i) => {
    const data = await bareOpen(pool[i % pool.length], keys, options.variant);
    if (data.byteLength !== plaintext.byteLength) throw new Error('wrong plaintext');
  };
  report({ ...(await measure(open, options)), bytesPerMessage: pool[0].ciphertext.byteLength + pool[0].signature.byteLength });
});
