/**
 * The suite proves itself: each deliberately broken transport fails exactly the cases
 * that cover its flaw, while the correct one passes every case.
 */
import { describe, expect, it } from 'vitest';
import { complianceCases, runCompliance, type ComplianceCase, type ComplianceResult } from '../src/index.js';
import { loopbackFixture } from './support/loopback-fixture.js';
import type { LoopbackFlaws } from './support/loopback-transport.js';

const fast = { arrivalTimeoutMs: 300, quietPeriodMs: 50 };

function caseNamed(prefix: string): ComplianceCase {
  const found = complianceCases.find((complianceCase) => complianceCase.name.startsWith(prefix));
  if (found === undefined) throw new Error(`no compliance case starts with "${prefix}"`);
  return found;
}

/** Cases that never look at the bytes of a received envelope. */
const movesNoEnvelope = ['declares specificationVersion', 'receive() returns nothing', 'healthCheck() and isAvailable()', 'nothing arrives after stop()'];
const everyCaseThatMovesAnEnvelope = complianceCases
  .map((complianceCase) => complianceCase.name)
  .filter((name) => !movesNoEnvelope.some((prefix) => name.startsWith(prefix)));

const brokenTransports: { flaw: string; flaws: LoopbackFlaws; mustFail: string[] }[] = [
  { flaw: 'drops every 10th envelope', flaws: { dropEvery: 10 }, mustFail: ['1,000 envelopes', '100 concurrent sends'] },
  { flaw: 'corrupts a byte', flaws: { corruptsAByte: true }, mustFail: everyCaseThatMovesAnEnvelope },
  { flaw: 'never reports down', flaws: { neverReportsDown: true }, mustFail: ['healthCheck() and isAvailable()'] },
  { flaw: 'delivers after stop', flaws: { deliversAfterStop: true }, mustFail: ['nothing arrives after stop()'] },
  { flaw: 'throws an untyped error when the peer is down', flaws: { downError: 'untyped' }, mustFail: ['send() to a down counterpart'] },
  {
    flaw: 'throws a non-retryable TransportError when the peer is down',
    flaws: { downError: 'non-retryable' },
    mustFail: ['send() to a down counterpart'],
  },
  { flaw: 'forgets uncommitted envelopes', flaws: { forgetsUncommitted: true }, mustFail: ['uncommitted envelopes are returned again'] },
  { flaw: 'ignores receive({ limit })', flaws: { ignoresLimit: true }, mustFail: ['receive({ limit })'] },
];

function failedNames(results: ComplianceResult[]): string[] {
  return results.filter((result) => result.status === 'failed').map((result) => result.name);
}

describe('the compliance suite catches broken transports', () => {
  it('passes every case against the correct loopback transport', async () => {
    const results = await runCompliance(() => loopbackFixture({}, fast));
    expect(results.map((result) => [result.name, result.status])).toEqual(complianceCases.map((c) => [c.name, 'passed']));
  });

  for (const { flaw, flaws, mustFail } of brokenTransports) {
    it(`fails a transport that ${flaw}, in exactly the cases covering it`, async () => {
      const results = await runCompliance(() => loopbackFixture(flaws, fast));
      expect(failedNames(results).sort()).toEqual(mustFail.map((prefix) => caseNamed(prefix).name).sort());
      expect(results.filter((result) => result.status === 'not-applicable')).toEqual([]);
    });
  }

  it('explains the failure: a dropped envelope is reported missing', async () => {
    const [result] = await runCompliance(() => loopbackFixture({ dropEvery: 10 }, fast), { cases: [caseNamed('100 concurrent sends')] });
    expect(result?.status).toBe('failed');
    expect(String((result as { error: unknown }).error)).toMatch(/10 of 100 envelopes never arrived/);
  });

  it('explains the failure: a corrupted envelope is reported altered with the offset', async () => {
    const [result] = await runCompliance(() => loopbackFixture({ corruptsAByte: true }, fast), { cases: [caseNamed('the smallest envelope')] });
    expect(String((result as { error: unknown }).error)).toMatch(/arrived altered: .* first difference at byte \d+/);
  });
});
