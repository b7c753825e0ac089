/**
 * The vitest binding: one `it` per case, the attachment cases included. A case that is
 * not applicable to the fixture (or to a transport without the optional capability it
 * tests) is reported as skipped with its reason (never as passed).
 */
import { describe, it } from 'vitest';
import { attachmentComplianceCases, complianceCases } from './cases/index.js';
import type { ComplianceFixtureFactory } from './fixture.js';
import { ComplianceNotApplicableError } from './not-applicable.js';

export interface DescribeComplianceOptions {
  /** Per-case timeout in ms. Default 120,000 (the 1,000-envelope case on a slow transport). */
  timeoutMs?: number;
}

export function describeTransportCompliance(
  name: string,
  fixtureFactory: ComplianceFixtureFactory,
  options: DescribeComplianceOptions = {},
): void {
  describe(`${name}: transport compliance`, () => {
    for (const complianceCase of [...complianceCases, ...attachmentComplianceCases]) {
      it(
        complianceCase.name,
        async (context) => {
          try {
            await complianceCase.run(fixtureFactory());
          } catch (error) {
            if (ComplianceNotApplicableError.is(error)) context.skip(`not applicable: ${error.reason}`);
            throw error;
          }
        },
        options.timeoutMs ?? 120_000,
      );
    }
  });
}
