import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, type InboundEnvelope, type ReceiveOptions } from '../../src/index.js';
import { receiveAll } from '../../src/receive/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgents } from '../../src/testing/index.js';

let agents: TestAgents<'opus' | 'bob'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'bob']);
});
afterAll(() => agents.cleanup());

describe('receiveAll', () => {
  test('polls once, processes each in order and summarizes', async () => {
    const first = await agents.opus.seal(agents.bob, { body: 'one' });
    const second = await agents.opus.seal(agents.bob, { body: 'two' });
    const pending: InboundEnvelope[] = [
      inboundEnvelope(first, { transport: 'file', source: 'a.json' }),
      inboundEnvelope('not json', { transport: 'file', source: 'junk.json' }),
      inboundEnvelope(first, { transport: 'file', source: 'a-copy.json' }),
      inboundEnvelope(second, { transport: 'file', source: 'b.json' }),
    ];
    const calls: ReceiveOptions[] = [];
    const transport = {
      async receive(options?: ReceiveOptions) {
        calls.push(options ?? {});
        return pending;
      },
    };
    const result = await receiveAll(transport, agents.bob.pipeline(), { limit: 10 });
    expect(calls).toEqual([{ limit: 10 }]);
    expect(result).toMatchObject({ received: 4, accepted: 2, duplicates: 1, rejected: 1 });
    expect(result.messages.map((message) => message.body)).toEqual(['one', 'two']);
    expect(result.rejections).toEqual([
      {
        code: ErrorCode.EnvelopeInvalid,
        message: expect.stringContaining('not valid JSON'),
        field: '(json)',
        quarantineId: expect.stringMatching(/^\d{13}-[0-9a-f]{32}$/),
        transport: 'file',
        source: 'junk.json',
      },
    ]);
  });

  test('an empty poll is all zeros', async () => {
    const result = await receiveAll({ receive: async () => [] }, agents.bob.pipeline());
    expect(result).toEqual({ received: 0, accepted: 0, duplicates: 0, acks: 0, rejected: 0, messages: [], rejections: [] });
  });
});
