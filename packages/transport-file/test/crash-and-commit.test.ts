/** At-least-once across crashes: only commit() removes a file, and only the file that was read. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, sandbox, transportFor } from './support.js';

let folder: Awaited<ReturnType<typeof sandbox>>;
beforeEach(async () => {
  folder = await sandbox();
});
afterEach(() => folder.cleanup());

describe('crashes and commits', () => {
  it('redelivers after a crash between rename and commit (a new transport instance)', async () => {
    const envelope = envelopeFor();
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelope.bytes, { fingerprint: FINGERPRINT_B });
    const crashed = transportFor(FINGERPRINT_B, { root: folder.root });
    await crashed.start();
    expect((await crashed.receive()).map((inbound) => inbound.bytes)).toEqual([envelope.bytes]);
    // The process dies here: the inbox append may not have happened, so no commit.
    const restarted = transportFor(FINGERPRINT_B, { root: folder.root });
    await restarted.start();
    const again = await restarted.receive();
    expect(again.map((inbound) => inbound.bytes)).toEqual([envelope.bytes]);
    await again[0]!.commit();
    expect(await restarted.receive()).toEqual([]);
    expect(await readdir(restarted.inbox)).toEqual(['.tmp']);
  });

  it('a crash before the rename leaves only a temp file, which is never delivered', async () => {
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root });
    await receiver.start();
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B });
    const [delivered] = await receiver.receive();
    await delivered!.commit();
    await writeFile(join(receiver.inbox, '.tmp', '3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e.skc.json.99.abcdef.tmp'), envelopeFor().bytes);
    expect(await receiver.receive()).toEqual([]);
  });

  it('commit() does not delete a newer copy written under the same name since it was read', async () => {
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root });
    await receiver.start();
    const sender = transportFor(FINGERPRINT_A, { root: folder.root });
    const envelope = envelopeFor();
    await sender.send(envelope.bytes, { fingerprint: FINGERPRINT_B });
    const [first] = await receiver.receive();
    // A retry of the same envelope (routing.retry_count changed) lands under the same name.
    const retried = new TextEncoder().encode(new TextDecoder().decode(envelope.bytes).replace('"retry_count":0', '"retry_count":1'));
    await sender.send(retried, { fingerprint: FINGERPRINT_B });
    await first!.commit();
    expect((await receiver.receive()).map((inbound) => inbound.bytes)).toEqual([retried]);
  });

  it('commit() is idempotent, also when the file is already gone', async () => {
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root });
    await receiver.start();
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B });
    const [inbound] = await receiver.receive();
    await inbound!.commit();
    await inbound!.commit();
    expect(await receiver.receive()).toEqual([]);
  });
});
