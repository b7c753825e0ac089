/**
 * @skcomm/compliance-tests: the conformance suite every SKComm transport runs.
 * Framework-free cases and a runner here; the vitest binding is `@skcomm/compliance-tests/vitest`.
 */
export { attachmentComplianceCases, complianceCases } from './cases/index.js';
export type { ComplianceCase, ComplianceEndpoints, ComplianceFixture, ComplianceFixtureFactory, ComplianceLimitations } from './fixture.js';
export { ComplianceNotApplicableError } from './not-applicable.js';
export { runCompliance, type ComplianceResult, type RunComplianceOptions } from './run.js';
export {
  byteCoverageText,
  createTestEnvelope,
  UNICODE_SAMPLE,
  utf8JsonByteValues,
  type TestEnvelope,
  type TestEnvelopeInit,
} from './test-envelope.js';
