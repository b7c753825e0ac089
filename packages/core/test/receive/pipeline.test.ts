import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ErrorCode, type Logger, serializeEnvelope } from '../../src/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';

let agents: TestAgents<'opus' | 'bob' | 'mallory'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'bob', 'mallory']);
});
afterAll(() => agents.cleanup());

function capturingLogger(): Logger & { lines: Array<[string, string, Record<string, unknown> | undefined]> } {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push([level, message, fields]);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('accepting', () => {
  test('a secured envelope becomes a VerifiedMessage in the inbox, recorded as seen, committed once', async () => {
    const envelope = await agents.opus.seal(agents.bob, { body: 'hello bob', threadId: 'thread-1', urgency: 'high' });
    const receivedAt = new Date();
    const inbound = inboundEnvelope(envelope, { transport: 'file', receivedAt, source: 'x.json' });
    const outcome = await agents.bob.pipeline().process(inbound);
    if (outcome.status !== 'accepted') throw new Error(outcome.status);
    expect(outcome.message).toMatchObject({
      envelopeId: envelope.envelope_id,
      from: { name: 'opus', fingerprint: agents.opus.identity.fingerprint },
      to: { name: 'bob', fingerprint: agents.bob.identity.fingerprint },
      type: 'message',
      body: 'hello bob',
      threadId: 'thread-1',
      urgency: 'high',
      mode: 'secured',
      trust: 'verified',
      transport: 'file',
      receivedAt,
      createdAt: new Date(envelope.timestamp),
    });
    expect(outcome.message.documentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inbound.commits).toBe(1);
    expect(await agents.bob.replay.has(agents.opus.identity.fingerprint, envelope.envelope_id)).toBe(true);
    expect((await agents.bob.inbox.list()).map((entry) => entry.message.envelopeId)).toContain(envelope.envelope_id);
  });

  test('an open-mode envelope is accepted and marked open', async () => {
    const outcome = await expectAccepted(agents.bob, await agents.opus.seal(agents.bob, { body: 'in the clear' }, 'open'));
    expect(outcome.message.mode).toBe('open');
  });

  test('an unknown payload type is delivered, never executed', async () => {
    const handler = vi.fn();
    const outcome = await expectAccepted(agents.bob, await agents.opus.seal(agents.bob, { body: '{"verb":"x"}', type: 'x_custom' }), {
      commandHandlers: new Map([['x', handler], ['x_custom', handler]]),
    });
    expect(outcome.message.type).toBe('x_custom');
    expect(handler).not.toHaveBeenCalled();
  });

  test('effects happen in order: inbox, then replay record, then commit', async () => {
    const { inbox, replay } = agents.bob;
    const order: string[] = [];
    const append = inbox.append.bind(inbox);
    const add = replay.add.bind(replay);
    const appendSpy = vi.spyOn(inbox, 'append').mockImplementationOnce(async (message) => {
      order.push('inbox');
      return append(message);
    });
    const addSpy = vi.spyOn(replay, 'add').mockImplementationOnce(async (...args) => {
      order.push('replay');
      await add(...args);
    });
    const inbound = inboundEnvelope(await agents.opus.seal(agents.bob));
    const commit = inbound.commit.bind(inbound);
    inbound.commit = async () => {
      order.push('commit');
      await commit();
    };
    try {
      expect((await agents.bob.pipeline().process(inbound)).status).toBe('accepted');
    } finally {
      appendSpy.mockRestore();
      addSpy.mockRestore();
    }
    expect(order).toEqual(['inbox', 'replay', 'commit']);
  });
});

describe('duplicates', () => {
  test('the same envelope again is a duplicate: committed, not delivered, not quarantined', async () => {
    const envelope = await agents.opus.seal(agents.bob);
    await expectAccepted(agents.bob, envelope);
    const inboxBefore = (await agents.bob.inbox.list()).length;
    const quarantineBefore = (await agents.bob.quarantine.list()).length;
    const inbound = inboundEnvelope(envelope, { transport: 'another-transport' });
    const outcome = await agents.bob.pipeline().process(inbound);
    expect(outcome).toMatchObject({ status: 'duplicate', envelopeId: envelope.envelope_id, error: { code: ErrorCode.Replay } });
    expect(inbound.commits).toBe(1);
    expect((await agents.bob.inbox.list()).length).toBe(inboxBefore);
    expect((await agents.bob.quarantine.list()).length).toBe(quarantineBefore);
  });

  test('two copies processed concurrently deliver once', async () => {
    const bytes = serializeEnvelope(await agents.opus.seal(agents.bob));
    const pipeline = agents.bob.pipeline();
    const outcomes = await Promise.all([1, 2, 3].map(() => pipeline.process(inboundEnvelope(bytes))));
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
  });

  test('different envelopes do not wait for each other to be stored', async () => {
    const [first, second] = await Promise.all([agents.opus.seal(agents.bob), agents.opus.seal(agents.bob)]);
    const replay = agents.bob.replay;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    // The first envelope's seen record hangs until the second one is through.
    const gated = new Proxy(replay, {
      get(target, property) {
        if (property === 'add') {
          return async (...args: Parameters<typeof replay.add>) => {
            if (args[1] === first.envelope_id) await gate;
            return target.add(...args);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const pipeline = agents.bob.pipeline({ replay: gated });
    const firstOutcome = pipeline.process(inboundEnvelope(first));
    expect((await pipeline.process(inboundEnvelope(second))).status).toBe('accepted');
    openGate();
    expect((await firstOutcome).status).toBe('accepted');
  });
});

describe('rejecting', () => {
  const garbage: Array<[string, Uint8Array | string, string]> = [
    ['empty input', '', ErrorCode.EnvelopeInvalid],
    ['one byte', '{', ErrorCode.EnvelopeInvalid],
    ['a JSON array', '[]', ErrorCode.EnvelopeInvalid],
    ['JSON null', 'null', ErrorCode.EnvelopeInvalid],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xc0, 0xaf, 0x7d]), ErrorCode.EnvelopeInvalid],
    ['random bytes', new Uint8Array(Array.from({ length: 512 }, (_, index) => (index * 7919) % 256)), ErrorCode.EnvelopeInvalid],
    ['deep nesting', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, ErrorCode.EnvelopeInvalid],
    ['a __proto__ key', '{"__proto__":{"polluted":true}}', ErrorCode.EnvelopeInvalid],
    ['a future wire version', '{"skcomm_version":"2.0.0"}', ErrorCode.UnsupportedVersion],
  ];
  test.each(garbage)('%s is a typed, quarantined rejection', async (_name, input, code) => {
    await expectRejected(agents.bob, input, code as ErrorCode);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a schema error names the field', async () => {
    const envelope = await agents.opus.seal(agents.bob);
    const { metadata: _metadata, ...withoutMetadata } = envelope;
    const outcome = await expectRejected(agents.bob, JSON.stringify(withoutMetadata), ErrorCode.EnvelopeInvalid);
    expect(outcome.error.field).toBe('metadata');
  });

  test('size limit: limit bytes accepted, limit + 1 rejected and only a prefix quarantined', async () => {
    const limit = 8 * 1024;
    const bytes = serializeEnvelope(await agents.opus.seal(agents.bob));
    const padded = (size: number) => `${new TextDecoder().decode(bytes)}${' '.repeat(size - bytes.length)}`;
    await expectAccepted(agents.bob, padded(limit), { maxEnvelopeBytes: limit });
    const big = new TextEncoder().encode(padded(limit + 1));
    const outcome = await expectRejected(agents.bob, big, ErrorCode.EnvelopeTooLarge, { maxEnvelopeBytes: limit });
    const record = (await agents.bob.quarantine.list()).find((entry) => entry.id === outcome.quarantineId);
    expect(record).toMatchObject({ size: limit, originalSize: limit + 1 });
    expect((await readFile(record!.bytesFile)).length).toBe(limit);
  });

  test('the limit cannot be raised above 1 MiB', async () => {
    await expectRejected(agents.bob, new Uint8Array(1024 * 1024 + 1).fill(0x20), ErrorCode.EnvelopeTooLarge, { maxEnvelopeBytes: 10 * 1024 * 1024 });
  });

  test('a typed rejection is logged with its code and ids, never the content', async () => {
    const logger = capturingLogger();
    const envelope = await agents.mallory.seal(agents.bob, { body: 'secret body text' });
    const forged = { ...envelope, from: { name: 'opus', fingerprint: agents.opus.identity.fingerprint } };
    const outcome = await expectRejected(agents.bob, forged, ErrorCode.SignatureInvalid, { logger });
    const [level, message, fields] = logger.lines.at(-1)!;
    expect([level, message]).toEqual(['warn', 'envelope rejected']);
    expect(fields).toMatchObject({
      code: ErrorCode.SignatureInvalid,
      envelopeId: envelope.envelope_id,
      from: agents.opus.identity.fingerprint,
      quarantineId: outcome.quarantineId,
      transport: 'memory',
    });
    expect(JSON.stringify(logger.lines)).not.toContain('secret body text');
  });

  test('cheap checks first: an unknown sender is reported before its (bad) signature is looked at', async () => {
    const envelope = await agents.opus.seal(agents.bob);
    const unknown = { ...envelope, from: { name: 'nobody', fingerprint: 'F'.repeat(40) } };
    await expectRejected(agents.bob, unknown, ErrorCode.UnknownSender);
  });
});

describe('storage failures', () => {
  test('propagate out of process() uncommitted (the transport redelivers)', async () => {
    const local = await makeTestAgents(['opus', 'bob']);
    try {
      const inbound = inboundEnvelope(await local.opus.seal(local.bob));
      await rm(local.bob.layout.peersDir, { recursive: true });
      await expect(local.bob.pipeline().process(inbound)).rejects.toMatchObject({ name: 'StorageError' });
      expect(inbound.commits).toBe(0);
      expect(await local.bob.quarantine.list()).toEqual([]);
    } finally {
      await local.cleanup();
    }
  });
});
