/**
 * What a transport package gives the suite: two real endpoints of the transport, wired to
 * each other (or to a real counterpart the test started), and the knobs the cases need.
 */
import type { Transport } from '@skcomm/core';

export interface ComplianceEndpoints {
  /** The sending side. */
  a: Transport;
  /** The receiving side. */
  b: Transport;
  /** Full uppercase fingerprint `a` receives as. */
  fingerprintOfA: string;
  /** Full uppercase fingerprint `b` receives as. Every case sends from `a` to this fingerprint. */
  fingerprintOfB: string;
  /** Transport address of `a`, where the transport needs one. */
  addressOfA?: string;
  /** Transport address of `b`, where the transport needs one. */
  addressOfB?: string;
  /**
   * Makes `b` unreachable from `a`: afterwards `a.send()` to `b` must fail and
   * `a.healthCheck()` must report 'down'. Provide it together with `bringUp()`.
   */
  takeDown?(): Promise<void>;
  /** Undoes `takeDown()`. */
  bringUp?(): Promise<void>;
}

/** Things a fixture may be unable to do. Each one needs a reason, which the report shows. */
export interface ComplianceLimitations {
  /** Why the fixture cannot take the counterpart down (and up again). */
  takeDown?: string;
}

export interface ComplianceFixture {
  /** Creates fresh endpoints for one case. The suite starts and stops them. */
  setup(): Promise<ComplianceEndpoints>;
  /** Releases everything `setup()` created (servers, folders). Called after every case. */
  teardown(): Promise<void>;
  /**
   * Capabilities this fixture cannot provide. A case that needs one reports
   * "not applicable" with the reason; without a declared reason such a case fails.
   */
  limitations?: ComplianceLimitations;
  /** Longest wait for envelopes to arrive, in ms. Default 10,000. */
  arrivalTimeoutMs?: number;
  /** How long to watch for envelopes that must not arrive, in ms. Default 250. */
  quietPeriodMs?: number;
}

export type ComplianceFixtureFactory = () => ComplianceFixture;

/** One conformance check, free of any test framework: `run` throws when the transport fails it. */
export interface ComplianceCase {
  readonly name: string;
  run(fixture: ComplianceFixture): Promise<void>;
}
