/**
 * The reference transport must pass the whole suite, attachment cases included: plainly,
 * and again with the benign faults any real channel has (latency, jitter, reordering,
 * duplicates), which the contract allows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { memory, MemoryNetwork, type FaultSettings } from '../src/index.js';
import { contextFor, FINGERPRINT_A, FINGERPRINT_B } from './support.js';

function memoryFixture(faults: Partial<FaultSettings> = {}): ComplianceFixture {
  let spoolDir: string | undefined;
  return {
    async setup() {
      spoolDir = await mkdtemp(join(tmpdir(), 'skcomm-memory-compliance-'));
      const network = new MemoryNetwork({ seed: 7, spoolDir });
      network.faults.set(faults);
      return {
        a: memory({ network })(contextFor(FINGERPRINT_A)),
        b: memory({ network })(contextFor(FINGERPRINT_B)),
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        async takeDown() {
          network.faults.set({ down: true });
        },
        async bringUp() {
          network.faults.set({ down: false });
        },
      };
    },
    async teardown() {
      if (spoolDir !== undefined) await rm(spoolDir, { recursive: true, force: true });
    },
  };
}

describeTransportCompliance('memory', () => memoryFixture());

describeTransportCompliance('memory with latency, jitter, reordering and duplicates', () =>
  memoryFixture({ latencyMs: 1, jitterMs: 2, reorderRate: 0.2, duplicateRate: 0.1, maxCopies: 3 }),
);
