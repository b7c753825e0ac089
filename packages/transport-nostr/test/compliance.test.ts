/**
 * Two real Nostr transports and one real relay (@nostr-relay/core in its own process on
 * 127.0.0.1) per case. takeDown() SIGKILLs the relay; bringUp() starts it again on the
 * same port, with an empty store, as after a relay crash.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { RelayProcess } from './relay/relay-process.js';
import { endpoint, FINGERPRINT_A, FINGERPRINT_B, TempDirs } from './support.js';

function nostrFixture(): ComplianceFixture {
  const directories = new TempDirs();
  let relay: RelayProcess | undefined;
  return {
    // 1,000 gift wraps are about 10 ms of pure-JS secp256k1 each way, on a shared machine.
    arrivalTimeoutMs: 60_000,
    async setup() {
      relay = await RelayProcess.start();
      const relays = relay.url;
      const a = endpoint(FINGERPRINT_A, await directories.make(), { relays });
      const b = endpoint(FINGERPRINT_B, await directories.make(), { relays });
      const down = relay;
      return {
        a,
        b,
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfA: a.publicKey,
        addressOfB: b.publicKey,
        takeDown: () => down.kill(),
        bringUp: () => down.bringUp(),
      };
    },
    async teardown() {
      await relay?.kill();
      await directories.cleanup();
    },
  };
}

describeTransportCompliance('nostr', nostrFixture);
