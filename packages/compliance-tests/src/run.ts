/** A framework-free runner: every case against fresh fixtures, one after another. */
import { complianceCases } from './cases/index.js';
import type { ComplianceCase, ComplianceFixtureFactory } from './fixture.js';
import { ComplianceNotApplicableError } from './not-applicable.js';

export type ComplianceResult =
  | { name: string; status: 'passed'; durationMs: number }
  | { name: string; status: 'failed'; durationMs: number; error: unknown }
  | { name: string; status: 'not-applicable'; durationMs: number; reason: string };

export interface RunComplianceOptions {
  /** Defaults to every case. */
  cases?: readonly ComplianceCase[];
}

export async function runCompliance(fixtureFactory: ComplianceFixtureFactory, options: RunComplianceOptions = {}): Promise<ComplianceResult[]> {
  const results: ComplianceResult[] = [];
  for (const complianceCase of options.cases ?? complianceCases) {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      await complianceCase.run(fixtureFactory());
      results.push({ name: complianceCase.name, status: 'passed', durationMs: durationMs() });
    } catch (error) {
      results.push(
        ComplianceNotApplicableError.is(error)
          ? { name: complianceCase.name, status: 'not-applicable', durationMs: durationMs(), reason: error.reason }
          : { name: complianceCase.name, status: 'failed', durationMs: durationMs(), error },
      );
    }
  }
  return results;
}
