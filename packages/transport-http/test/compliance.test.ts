/**
 * Two real http transports, each with its own receiving server on 127.0.0.1 and its own
 * spool, on ephemeral ports. `a` POSTs to `b`'s endpoint and probes it for health.
 * takeDown() stops `b` (its server closes every connection, as when the peer's process
 * goes away); bringUp() starts it again on the same port, with what its spool held.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { FINGERPRINT_A, FINGERPRINT_B, sandbox, transportFor } from './support.js';

/** The suite sends 1,000 envelopes from one address; the default per-IP rate would (rightly) throttle it. */
const UNTHROTTLED = { rateLimit: 0 };

function httpFixture(): ComplianceFixture {
  let cleanup: () => Promise<void> = async () => {};
  return {
    async setup() {
      const folder = await sandbox();
      cleanup = folder.cleanup;
      const b = transportFor(FINGERPRINT_B, { ...UNTHROTTLED, listen: '127.0.0.1:0', spool: `${folder.directory}/b`, pollIntervalMs: 50 });
      await b.start(); // to learn its port; restarts keep it
      const addressOfB = b.endpoint as string;
      const a = transportFor(FINGERPRINT_A, { ...UNTHROTTLED, listen: '127.0.0.1:0', spool: `${folder.directory}/a`, probe: addressOfB, pollIntervalMs: 50 });
      return {
        a,
        b,
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfB,
        takeDown: () => b.stop(),
        bringUp: () => b.start(),
      };
    },
    teardown: () => cleanup(),
  };
}

describeTransportCompliance('http', httpFixture);
