/**
 * T22/R10, clock skew. The sender's clock is off by an offset; the receiver accepts a
 * signed created_at up to 5 minutes ahead of its own clock and until created_at + ttl
 * (DESIGN §3). Expected outcomes for each offset and ttl:
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';

let agents: TestAgents<'opus' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol']);
});
afterAll(() => agents.cleanup());

const minute = 60_000;
const hour = 60 * minute;
const week = 7 * 24 * 3600;
type Expected = 'accept' | typeof ErrorCode.Expired | typeof ErrorCode.FromFuture;

// [sender clock offset, ttl seconds, expected]
const table: Array<[string, number, number, Expected]> = [
  ['-24 h', -24 * hour, week, 'accept'],
  ['-1 h', -hour, week, 'accept'],
  ['-6 min', -6 * minute, week, 'accept'],
  ['0', 0, week, 'accept'],
  ['+4 min', 4 * minute, week, 'accept'],
  ['+6 min', 6 * minute, week, ErrorCode.FromFuture],
  ['+1 h', hour, week, ErrorCode.FromFuture],

  ['-24 h', -24 * hour, 3600, ErrorCode.Expired],
  ['-1 h', -hour, 3600, 'accept'], // exactly at created_at + ttl: still valid
  ['-1 h - 1 ms', -hour - 1, 3600, ErrorCode.Expired],
  ['-6 min', -6 * minute, 3600, 'accept'],
  ['+4 min', 4 * minute, 3600, 'accept'],
  ['+6 min', 6 * minute, 3600, ErrorCode.FromFuture],

  ['-24 h', -24 * hour, 300, ErrorCode.Expired],
  ['-6 min', -6 * minute, 300, ErrorCode.Expired],
  ['0', 0, 300, 'accept'],
  ['+4 min', 4 * minute, 300, 'accept'],
  ['+5 min', 5 * minute, 300, 'accept'], // exactly the allowed skew
  ['+5 min + 1 ms', 5 * minute + 1, 300, ErrorCode.FromFuture],
  ['+1 h', hour, 300, ErrorCode.FromFuture],
];

describe('clock skew (T22, R10)', () => {
  test.each(table)('sender clock %s with ttl %i s: %s', async (_label, offset, ttlSeconds, expected) => {
    const now = new Date();
    const envelope = await agents.opus.seal(agents.carol, { createdAt: new Date(now.getTime() + offset), ttlSeconds });
    const options = { now: () => now };
    if (expected === 'accept') await expectAccepted(agents.carol, envelope, options);
    else await expectRejected(agents.carol, envelope, expected, options);
  });
});
