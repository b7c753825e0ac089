/** The attachment cases never pass silently: a transport without the capability gets "not applicable" with the reason. */
import { describe, expect, it } from 'vitest';
import { attachmentComplianceCases, runCompliance } from '../src/index.js';
import { loopbackFixture } from './support/loopback-fixture.js';

describe('attachment cases', () => {
  it('are five, apart from the cases every transport passes', () => {
    expect(attachmentComplianceCases.map((complianceCase) => complianceCase.name)).toHaveLength(5);
  });

  it('are not applicable, with the reason, to a transport without sendWithAttachment()', async () => {
    const results = await runCompliance(() => loopbackFixture({}, { arrivalTimeoutMs: 300, quietPeriodMs: 50 }), { cases: attachmentComplianceCases });
    expect(results.map((result) => result.status)).toEqual(attachmentComplianceCases.map(() => 'not-applicable'));
    for (const result of results) expect((result as { reason: string }).reason).toMatch(/no sendWithAttachment\(\); attachments are optional/);
  });
});
