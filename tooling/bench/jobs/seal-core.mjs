/** @skcomm/core seal: sealEnvelope + serializeEnvelope of a 1 KiB body (secured mode). */
import { parseEnvelope, serializeEnvelope } from '@skcomm/core';
import { openEnvelope, sealEnvelope } from '@skcomm/core/crypto';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run } from './lib.mjs';

run(async () => {
  const options = params();
  const keys = await coreKeys();
  const body = body1KiB();
  const seal = async () => serializeEnvelope(await sealEnvelope({ body }, keys.seal));

  const bytes = await seal(); // sanity: what we measure opens again
  const opened = await openEnvelope(parseEnvelope(bytes), keys.open);
  if (opened.document.body !== body) throw new Error('sealed envelope does not open to its body');

  report({ ...(await measure(seal, options)), bytesPerMessage: bytes.byteLength });
});
