/**
 * T17, decompression bomb. A known peer (the outer signature must verify before any
 * decryption) sends a small sign+encrypt message whose zlib-compressed content expands
 * far beyond 1 MiB. It is rejected quickly, without inflating it in memory.
 */
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detachedSignatureInput, type Envelope, ErrorCode, serializeEnvelope, SKCOMM_VERSION } from '../../src/index.js';
import { signDetached } from '../../src/crypto/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectRejected } from '../helpers/outcomes.js';

const EXPANDED_BYTES = 256 * 1024 * 1024;
const CHUNK = new Uint8Array(1024 * 1024);

let agents: TestAgents<'mallory' | 'carol'>;
let bomb: Envelope;

/** `EXPANDED_BYTES` of zeros, streamed so that building the bomb stays small too. */
function zeros(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= EXPANDED_BYTES) return controller.close();
      sent += CHUNK.length;
      controller.enqueue(CHUNK);
    },
  });
}

async function readAll(stream: ReadableStream<string>): Promise<string> {
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<string>) text += chunk;
  return text;
}

beforeAll(async () => {
  agents = await makeTestAgents(['mallory', 'carol']);
  const encrypted = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: zeros() }),
    encryptionKeys: agents.carol.publicKey.key,
    signingKeys: agents.mallory.identity.privateKey,
    format: 'armored',
    config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
  });
  const unsigned: Envelope = {
    skcomm_version: SKCOMM_VERSION,
    envelope_id: '9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    timestamp: new Date().toISOString(),
    from: { name: 'mallory', fingerprint: agents.mallory.identity.fingerprint },
    to: { name: 'carol', fingerprint: agents.carol.identity.fingerprint },
    payload: { type: 'message', content_encrypted: await readAll(encrypted as unknown as ReadableStream<string>), signature: '' },
    routing: { priority_transports: [], fallback_transports: [], retry_count: 0, max_retries: 5, ttl_seconds: 3600 },
    metadata: { content_type: 'text/plain', urgency: 'normal' },
  };
  bomb = { ...unsigned, payload: { ...unsigned.payload, signature: await signDetached(detachedSignatureInput(unsigned), agents.mallory.identity) } };
}, 120_000);
afterAll(() => agents.cleanup());

describe('compression bomb (T17)', () => {
  test('the bomb fits in one envelope and expands over 250x the 1 MiB limit', () => {
    const size = serializeEnvelope(bomb).byteLength;
    expect(size).toBeLessThan(1024 * 1024);
    expect(EXPANDED_BYTES / size).toBeGreaterThan(250);
  });

  test('rejected in under 2 s with bounded memory: E_DECRYPT_FAILED', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    const started = performance.now();
    try {
      const outcome = await expectRejected(agents.carol, bomb, ErrorCode.DecryptFailed);
      expect(outcome.error.message).toMatch(/decompressed/i);
    } finally {
      clearInterval(sampler);
    }
    expect(performance.now() - started).toBeLessThan(2000);
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
  });
});
