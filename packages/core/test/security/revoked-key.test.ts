/**
 * T11, revoked keys. Our own revocation (`keys revoke`) takes effect at the next
 * envelope, also when another process writes it while a pipeline runs. An OpenPGP
 * revocation certificate merged into the pinned key does the same.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { ErrorCode } from '../../src/index.js';
import { PeerStore } from '../../src/store/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';

let agents: TestAgents<'opus' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol']);
});
afterAll(() => agents.cleanup());

describe('revoked key', () => {
  test('revoked by another process while the pipeline runs: E_KEY_REVOKED from the next envelope on', async () => {
    const local = await makeTestAgents(['opus', 'carol']);
    try {
      const pipeline = local.carol.pipeline();
      const before = await local.opus.seal(local.carol, { body: 'before' });
      expect((await pipeline.process(inboundEnvelope(before))).status).toBe('accepted');

      await new PeerStore(local.carol.layout.peersDir).revoke('opus');
      const outcome = await expectRejected(local.carol, await local.opus.seal(local.carol, { body: 'after' }), ErrorCode.KeyRevoked);
      expect(outcome.error.field).toBe('from.fingerprint');
    } finally {
      await local.cleanup();
    }
  });

  test('an OpenPGP revocation certificate merged into the pinned key: E_KEY_REVOKED', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'signed before the revocation' });
    await expectAccepted(agents.carol, await agents.opus.seal(agents.carol));

    const { publicKey: revokedKey } = await openpgp.revokeKey({
      key: agents.opus.identity.privateKey,
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised, string: 'stolen laptop' },
      format: 'armored',
    });
    // What a key import does: the peer file now holds the key with its revocation signature.
    const path = join(agents.carol.layout.peersDir, 'opus.yml');
    const record = YAML.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, YAML.stringify({ ...record, public_key: revokedKey }));

    await expectRejected(agents.carol, envelope, ErrorCode.KeyRevoked);
    await expect(new PeerStore(join(agents.carol.home, 'fresh-peers')).add({ name: 'opus', armoredPublicKey: revokedKey })).rejects.toMatchObject({
      code: ErrorCode.KeyRevoked,
    });
  });
});
