/**
 * Interop with GnuPG 2.2 (DESIGN §3): our keys import into gpg, gpg decrypts and
 * verifies what we seal, and our receive pipeline accepts what gpg signs and encrypts.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sealEnvelope } from '../../src/crypto/index.js';
import {
  canonicalBytes,
  canonicalJson,
  detachedSignatureInput,
  type Envelope,
  parseSignedDocument,
  type SignedDocument,
  signedDocumentContext,
  SKCOMM_VERSION,
} from '../../src/index.js';
import { readOwnPublicKey } from '../../src/store/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { Gpg } from '../helpers/gpg.js';

let gpg: Gpg;
let agents: TestAgents<'opus'>;
let opusFingerprint: string;
let carolFingerprint: string;

beforeAll(async () => {
  gpg = await Gpg.create();
  agents = await makeTestAgents(['opus']);
  opusFingerprint = agents.opus.identity.fingerprint;
  await gpg.run(['--passphrase', '', '--quick-gen-key', 'Carol <carol@example.org>', 'ed25519', 'sign,cert', 'never']);
  carolFingerprint = await gpg.fingerprintOf('carol@example.org');
  await gpg.run(['--passphrase', '', '--quick-add-key', carolFingerprint, 'cv25519', 'encr', 'never']);
  const { stdout: carolPublicKey } = await gpg.run(['--armor', '--export', carolFingerprint]);
  await agents.opus.peers.add({ name: 'carol', armoredPublicKey: carolPublicKey });
}, 60_000);

afterAll(async () => {
  await gpg?.close();
  await agents?.cleanup();
});

function file(name: string): string {
  return join(gpg.home, name);
}

function expectGoodSignatureBy(status: string[], fingerprint: string): void {
  expect(status.some((line) => line.startsWith('GOODSIG '))).toBe(true);
  const validsig = status.find((line) => line.startsWith('VALIDSIG '));
  expect(validsig?.split(' ').at(-1)).toBe(fingerprint);
  expect(status.some((line) => /^(BADSIG|ERRSIG|DECRYPTION_FAILED) /.test(line))).toBe(false);
}

describe('GnuPG 2.2 interop', () => {
  test('gpg imports our exported public key', async () => {
    const ours = await readOwnPublicKey(agents.opus.home);
    await writeFile(file('opus.asc'), ours.armored);
    const { status } = await gpg.run(['--import', file('opus.asc')]);
    expect(status.some((line) => line.startsWith('IMPORT_OK '))).toBe(true);
    expect(await gpg.fingerprintOf(opusFingerprint)).toBe(opusFingerprint);
  });

  test('gpg decrypts and verifies what we seal to a gpg key, and verifies our detached signature', async () => {
    const carol = await agents.opus.peers.findByFingerprint(carolFingerprint);
    const envelope = await sealEnvelope(
      { body: 'hello gpg, from openpgp.js', threadId: 'interop' },
      { sender: agents.opus.identity, recipient: { ...carol!.key, name: 'carol' } },
    );
    await writeFile(file('content.asc'), envelope.payload.content_encrypted!);
    const decrypted = await gpg.run(['--output', file('content.json'), '--decrypt', file('content.asc')]);
    expect(decrypted.status).toContain('DECRYPTION_OKAY');
    expectGoodSignatureBy(decrypted.status, opusFingerprint);
    const plaintext = await readFile(file('content.json'));
    const document = parseSignedDocument(plaintext);
    expect(document).toMatchObject({ envelope_id: envelope.envelope_id, body: 'hello gpg, from openpgp.js', to: { fingerprint: carolFingerprint } });
    expect(plaintext.toString('utf8')).toBe(canonicalJson(document));

    await writeFile(file('envelope.bin'), detachedSignatureInput(envelope));
    await writeFile(file('envelope.sig'), envelope.payload.signature);
    const verified = await gpg.run(['--verify', file('envelope.sig'), file('envelope.bin')]);
    expectGoodSignatureBy(verified.status, opusFingerprint);
  });

  test('our pipeline accepts an envelope whose content and signature gpg produced', async () => {
    const document: SignedDocument = {
      ctx: signedDocumentContext,
      envelope_id: randomUUID(),
      created_at: new Date().toISOString(),
      ttl_seconds: 3600,
      from: { name: 'carol', fingerprint: carolFingerprint },
      to: { name: 'opus', fingerprint: opusFingerprint },
      type: 'message',
      content_type: 'text/plain',
      urgency: 'high',
      thread_id: null,
      in_reply_to: 'previous-message',
      body: 'hello openpgp.js, from GnuPG ✓',
    };
    await writeFile(file('document.json'), canonicalBytes(document));
    await gpg.run(['--armor', '--sign', '--encrypt', '-r', opusFingerprint, '-u', carolFingerprint, '--output', file('document.asc'), file('document.json')]);
    const unsigned: Envelope = {
      skcomm_version: SKCOMM_VERSION,
      envelope_id: document.envelope_id,
      timestamp: document.created_at,
      from: document.from,
      to: document.to,
      payload: { type: document.type, content_encrypted: await readFile(file('document.asc'), 'utf8'), signature: '' },
      routing: { priority_transports: [], fallback_transports: [], retry_count: 0, max_retries: 5, ttl_seconds: document.ttl_seconds },
      metadata: { content_type: document.content_type, urgency: document.urgency, in_reply_to: 'previous-message' },
    };
    await writeFile(file('unsigned.bin'), detachedSignatureInput(unsigned));
    await gpg.run(['--armor', '--detach-sign', '-u', carolFingerprint, '--output', file('unsigned.sig'), file('unsigned.bin')]);
    const envelope: Envelope = { ...unsigned, payload: { ...unsigned.payload, signature: await readFile(file('unsigned.sig'), 'utf8') } };

    const outcome = await agents.opus.pipeline().process(inboundEnvelope(envelope, { transport: 'file' }));
    if (outcome.status !== 'accepted') throw new Error(`gpg envelope not accepted: ${outcome.status === 'rejected' ? outcome.error.message : outcome.status}`);
    expect(outcome.message).toMatchObject({
      from: { name: 'carol', fingerprint: carolFingerprint },
      body: 'hello openpgp.js, from GnuPG ✓',
      mode: 'secured',
      urgency: 'high',
      inReplyTo: 'previous-message',
    });
  });
});
