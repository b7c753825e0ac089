/**
 * A streamed file is not in the outbox: its ack is matched to the transfer record, whose
 * sealed envelope and manifest give back the signed document's sha256 the ack binds to.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgeFileTransfer, documentSha256 } from '../../src/agent/file-acks.js';
import { outgoingTransfersDir } from '../../src/agent/file-paths.js';
import { buildAckBody, parseAckBody, sealEnvelope, signedDocumentSha256 } from '../../src/crypto/index.js';
import { parseEnvelope, serializeEnvelope } from '../../src/envelope/parse.js';
import { ErrorCode, SkcommError } from '../../src/errors.js';
import { FILE_CONTENT_TYPE, OutgoingTransferStore, prepareOutgoingFile, serializeFileManifest } from '../../src/files/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { silentLogger } from '../../src/transport/contract.js';

let agents: TestAgents<'alice' | 'bob'> | undefined;
afterEach(async () => {
  await agents?.cleanup();
  agents = undefined;
});

describe('acks of streamed files', () => {
  it('documentSha256 of a sealed envelope equals the sha256 the sender signed, for every optional header', async () => {
    agents = await makeTestAgents(['alice', 'bob']);
    const { alice, bob } = agents;
    const options = { sender: alice.identity, recipient: bob.publicKey, mode: 'secured' as const };
    for (const extra of [{}, { threadId: 'thread-1', inReplyTo: 'reply-2', urgency: 'high' as const, ttlSeconds: 60 }]) {
      const draft = { type: 'webrtc_file', contentType: FILE_CONTENT_TYPE, body: '{"x":1}', envelopeId: randomUUID(), createdAt: new Date(), ...extra };
      const envelope = parseEnvelope(serializeEnvelope(await sealEnvelope(draft, options)));
      expect(documentSha256(envelope, draft.body)).toBe(signedDocumentSha256(draft, options));
      expect(documentSha256(envelope, '{"x":2}')).not.toBe(signedDocumentSha256(draft, options));
    }
  });

  it('a bound ack removes the record; a misbound one is refused; an unknown one is not for a file', async () => {
    agents = await makeTestAgents(['alice', 'bob']);
    const { alice, bob } = agents;
    const path = join(agents.root, 'payload.bin');
    await writeFile(path, randomBytes(1000));
    const outgoing = await prepareOutgoingFile(path);
    await outgoing.close();
    const draft = { type: 'webrtc_file', contentType: FILE_CONTENT_TYPE, body: serializeFileManifest(outgoing.manifest), envelopeId: randomUUID(), createdAt: new Date() };
    const options = { sender: alice.identity, recipient: bob.publicKey, mode: 'secured' as const };
    const envelope = await sealEnvelope(draft, options);
    const store = new OutgoingTransferStore(outgoingTransfersDir(alice.layout));
    await store.save({
      transfer_id: outgoing.manifest.transfer_id,
      peer: bob.identity.fingerprint,
      path: outgoing.path,
      size: outgoing.manifest.size,
      mtime_ms: outgoing.mtimeMs,
      manifest: outgoing.manifest,
      envelope: Buffer.from(serializeEnvelope(envelope)).toString('base64'),
      created_at: new Date().toISOString(),
    });
    const ack = (fields: { envelope_id?: string; document_sha256?: string }) =>
      parseAckBody(
        buildAckBody({
          envelope_id: fields.envelope_id ?? draft.envelopeId,
          document_sha256: fields.document_sha256 ?? signedDocumentSha256(draft, options),
          sender_fingerprint: alice.identity.fingerprint,
          recipient_fingerprint: bob.identity.fingerprint,
        }),
      );
    const acknowledge = (body: ReturnType<typeof ack>, signer = bob.identity.fingerprint) => acknowledgeFileTransfer(alice.layout, body, signer, silentLogger);

    expect(await acknowledge(ack({ envelope_id: randomUUID() }))).toBe(false);
    for (const [body, signer] of [
      [ack({ document_sha256: 'f'.repeat(64) }), bob.identity.fingerprint],
      [ack({}), alice.identity.fingerprint],
    ] as const) {
      const error = await acknowledge(body, signer).catch((caught: unknown) => caught);
      expect(SkcommError.hasCode(error, ErrorCode.HeaderMismatch)).toBe(true);
    }
    expect(await store.list()).toHaveLength(1);
    expect(await acknowledge(ack({}))).toBe(true);
    expect(await store.list()).toEqual([]);
  });
});
