// A WebRTC peer in its own process (from the built package), for the test that kills it:
// argv[2] = broker URL; env PEER_PRIVATE_KEY / PEER_PASSPHRASE. Prints READY, then
// RECEIVED <envelope_id> for each envelope, committed.
import { silentLogger } from '@skcomm/core';
import { createCapauthToken, unlockIdentity } from '@skcomm/core/crypto';
import { webrtc } from '../dist/index.js';

const identity = await unlockIdentity(process.env.PEER_PRIVATE_KEY, process.env.PEER_PASSPHRASE);
const transport = webrtc({ signal: process.argv[2], pingIntervalMs: 150 })({
  selfFingerprint: identity.fingerprint,
  logger: silentLogger,
  authToken: async () => ({ token: await createCapauthToken(identity, Math.floor(Date.now() / 1000)), armoredPublicKey: identity.armored }),
});
transport.subscribe(async (inbound) => {
  process.stdout.write(`RECEIVED ${JSON.parse(Buffer.from(inbound.bytes).toString('utf8')).envelope_id}\n`);
  await inbound.commit();
});
await transport.start();
process.stdout.write('READY\n');
