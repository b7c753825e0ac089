/**
 * The compliance suite against a real relay on 127.0.0.1 (ephemeral port), with real
 * CapAuth tokens. takeDown() stops the relay (a and b lose their connections; the mailbox
 * stays on disk); bringUp() starts it again on the same port and data directory.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { TestRelay, testIdentities, transportFor } from './support.js';

function relayFixture(): ComplianceFixture {
  let relay: TestRelay | undefined;
  return {
    async setup() {
      const [alice, bob] = await testIdentities();
      relay = await TestRelay.start();
      const testRelay = relay;
      return {
        a: transportFor(alice, testRelay.url),
        b: transportFor(bob, testRelay.url),
        fingerprintOfA: alice.fingerprint,
        fingerprintOfB: bob.fingerprint,
        takeDown: () => testRelay.down(),
        bringUp: () => testRelay.up(),
      };
    },
    teardown: async () => {
      await relay?.destroy();
    },
  };
}

describeTransportCompliance('websocket via relay', relayFixture);
