import type { ComplianceFixture } from '../../src/index.js';
import { LoopbackHub, LoopbackTransport, type LoopbackFlaws } from './loopback-transport.js';

export const FINGERPRINT_A = 'A'.repeat(40);
export const FINGERPRINT_B = 'B'.repeat(40);

export function loopbackFixture(flaws: LoopbackFlaws = {}, overrides: Partial<ComplianceFixture> = {}): ComplianceFixture {
  return {
    async setup() {
      const hub = new LoopbackHub();
      return {
        a: new LoopbackTransport('loopback', FINGERPRINT_A, hub, flaws),
        b: new LoopbackTransport('loopback', FINGERPRINT_B, hub, flaws),
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        async takeDown() {
          hub.down = true;
        },
        async bringUp() {
          hub.down = false;
        },
      };
    },
    async teardown() {},
    ...overrides,
  };
}
