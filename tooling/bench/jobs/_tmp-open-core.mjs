/** @skcomm/core open: parseEnvelope + openEnvelope of 1 KiB-body envelopes (secured mode). */
import { parseEnvelope, serializeEnvelope } from '@skcomm/core';
import { openEnvelope, sealEnvelope } from '@skcomm/core/crypto';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run } from './lib.mjs';

run(async () => {
  const options = params();
  const keys = await coreKeys();
  const body = body1KiB();
  // A pool of distinct envelopes, sealed before the clock starts and opened in turn.
  const pool = [];
  for (let i = 0; i < Number(process.env.POOL ?? 32); i++) pool.push(serializeEnvelope(await sealEnvelope({ body }, keys.seal)));

  const open = async (i) => {
    const opened = await openEnvelope(parseEnvelope(pool[i % pool.length]), keys.open);
    if (opened.document.body.length !== body.length) throw new Error('wrong body');
  };
  report({ ...(await measure(open, options)), bytesPerMessage: pool[0].byteLength });
});
