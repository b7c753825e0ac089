/** A case that needs the counterpart taken down never passes silently. */
import { describe, expect, it } from 'vitest';
import { complianceCases, runCompliance } from '../src/index.js';
import { loopbackFixture } from './support/loopback-fixture.js';

const downCases = complianceCases.filter((complianceCase) => /down counterpart|counterpart is down/.test(complianceCase.name));

function withoutDownControl(limitations?: { takeDown?: string }) {
  const fixture = loopbackFixture({}, limitations === undefined ? {} : { limitations });
  return {
    ...fixture,
    async setup() {
      const { takeDown: _takeDown, bringUp: _bringUp, ...endpoints } = await fixture.setup();
      return endpoints;
    },
  };
}

describe('fixture limitations', () => {
  it('finds the two cases that take the counterpart down', () => {
    expect(downCases).toHaveLength(2);
  });

  it('fails those cases when the fixture has no takeDown() and declares no reason', async () => {
    const results = await runCompliance(() => withoutDownControl(), { cases: downCases });
    for (const result of results) {
      expect(result.status).toBe('failed');
      expect(String((result as { error: unknown }).error)).toMatch(/declares no reason in limitations\.takeDown/);
    }
  });

  it('reports them as not applicable, with the reason, when the fixture declares one', async () => {
    const reason = 'the hosted API cannot be switched off from a test';
    const results = await runCompliance(() => withoutDownControl({ takeDown: reason }), { cases: downCases });
    expect(results.map((result) => result.status)).toEqual(['not-applicable', 'not-applicable']);
    expect(results.map((result) => (result as { reason: string }).reason)).toEqual([reason, reason]);
  });

  it('does not accept a blank reason', async () => {
    const results = await runCompliance(() => withoutDownControl({ takeDown: '  ' }), { cases: downCases });
    expect(results.map((result) => result.status)).toEqual(['failed', 'failed']);
  });
});
