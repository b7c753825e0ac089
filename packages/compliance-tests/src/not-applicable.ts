const NOT_APPLICABLE = Symbol.for('skcomm.compliance.not-applicable');

/**
 * Thrown by a case that cannot run against this fixture for a reason the fixture (or the
 * optional parts of the contract) declared. Runners report it as "not applicable", never
 * as passed.
 */
export class ComplianceNotApplicableError extends Error {
  readonly reason: string;
  readonly [NOT_APPLICABLE] = true;

  constructor(reason: string) {
    super(`not applicable: ${reason}`);
    this.name = 'ComplianceNotApplicableError';
    this.reason = reason;
  }

  /** Works across duplicated installs of this package. */
  static is(value: unknown): value is ComplianceNotApplicableError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[NOT_APPLICABLE] === true;
  }
}
