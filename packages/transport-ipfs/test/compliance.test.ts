/**
 * Two real helia nodes on 127.0.0.1 in this process, talking tcp + noise + yamux, with
 * bitswap and the announce protocol. Each keeps its libp2p key in its own state directory,
 * so a restarted node has the same peer id, and the same port (kept across restarts).
 *
 * takeDown() stops b's node: a's announce can no longer be dialled (retryable), and a's
 * health, which probes its configured peer b, is down. bringUp() starts b again.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { FINGERPRINT_A, FINGERPRINT_B, sandbox, startedPair } from './support.js';

function ipfsFixture(): ComplianceFixture {
  let cleanup: () => Promise<void> = async () => {};
  return {
    async setup() {
      const folder = await sandbox();
      cleanup = folder.cleanup;
      const { a, b, addressOfA, addressOfB } = await startedPair(folder.directory, { a: { dialTimeoutMs: 1000 } });
      return {
        a,
        b,
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfA,
        addressOfB,
        takeDown: () => b.stop(),
        bringUp: () => b.start(),
      };
    },
    teardown: () => cleanup(),
    arrivalTimeoutMs: 20_000,
  };
}

describeTransportCompliance('ipfs', ipfsFixture);
