/**
 * Two real libp2p nodes on 127.0.0.1 (ephemeral ports, kept across restarts, keys in
 * their state directories).
 *
 * Health is the node's own listener (not per peer), so takeDown() stops both nodes: a's
 * dials to b are refused (ECONNREFUSED, retryable) and a reports down. bringUp() starts
 * both again on the same ports with the same peer ids.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import type { Libp2pTransportInit } from '../src/index.js';
import { addressOf, FINGERPRINT_A, FINGERPRINT_B, libp2pTransport } from './support.js';

function libp2pFixture(init: Libp2pTransportInit): () => ComplianceFixture {
  return () => ({
    async setup() {
      const a = libp2pTransport(init, FINGERPRINT_A);
      const b = libp2pTransport(init, FINGERPRINT_B);
      await Promise.all([a.start(), b.start()]);
      return {
        a,
        b,
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfA: addressOf(a),
        addressOfB: addressOf(b),
        takeDown: async () => {
          await b.stop();
          await a.stop();
        },
        bringUp: async () => {
          await b.start();
          await a.start();
        },
      };
    },
    teardown: async () => undefined,
  });
}

describeTransportCompliance('libp2p', libp2pFixture({}));
// A window of 2 makes the 100-concurrent and 1,000-envelope cases queue behind it.
describeTransportCompliance('libp2p (in-flight window of 2)', libp2pFixture({ maxInFlight: 2 }));
