/**
 * The compliance suite over two real Syncthing instances on loopback (started in
 * global-setup.ts). Each case gets fresh fingerprints, hence fresh inboxes in the shared
 * folder. takeDown() makes b's Syncthing pause a's device, which closes the connection
 * as a peer going offline does; a must then refuse to send and report down.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { inject } from 'vitest';
import { disconnect, freshFingerprint, reconnect, transportOn } from './support.js';

const pair = inject('syncthingPair');

function syncthingFixture(): ComplianceFixture {
  return {
    // Syncthing moves 1,000 files in a few seconds here; the headroom is for a busy CI machine.
    arrivalTimeoutMs: 60_000,
    // Long enough for a wrongly written file to have synced (about 0.25 s after the rescan request).
    quietPeriodMs: 1_000,
    async setup() {
      const fingerprintOfA = freshFingerprint();
      const fingerprintOfB = freshFingerprint();
      return {
        a: transportOn(pair.a, pair.b, pair.folderId, fingerprintOfA),
        b: transportOn(pair.b, pair.a, pair.folderId, fingerprintOfB),
        fingerprintOfA,
        fingerprintOfB,
        takeDown: () => disconnect(pair),
        bringUp: () => reconnect(pair),
      };
    },
    teardown: async () => {},
  };
}

describeTransportCompliance('syncthing', syncthingFixture);
