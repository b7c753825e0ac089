/**
 * Two real werift peers on 127.0.0.1, negotiated through a real relay's signaling broker.
 * takeDown() stops b (it says BYE on its links) and the broker, so a can neither use its
 * link nor negotiate a new one; bringUp() restarts the broker on the same port and b (once
 * takeDown() is over).
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { type Broker, startBroker, testIdentities, transportFor } from './support.js';

function webrtcFixture(): ComplianceFixture {
  let broker: Broker | undefined;
  return {
    async setup() {
      const [alice, bob] = await testIdentities();
      broker = await startBroker();
      const a = transportFor(alice!, broker.url);
      const b = transportFor(bob!, broker.url);
      let goingDown: Promise<void> | undefined;
      return {
        a,
        b,
        fingerprintOfA: alice!.fingerprint,
        fingerprintOfB: bob!.fingerprint,
        takeDown: async () => {
          goingDown = (async () => {
            await b.stop();
            await broker!.stop();
          })();
          await goingDown;
        },
        bringUp: async () => {
          // A case may bring us up as soon as its send failed, while takeDown() is still stopping the broker.
          await goingDown;
          await broker!.start();
          await b.start();
        },
      };
    },
    teardown: async () => {
      await broker?.destroy();
      broker = undefined;
    },
  };
}

describeTransportCompliance('webrtc', webrtcFixture);
