import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRoute } from '../../src/router/index.js';
import { countingTransport } from './test-transports.js';

describe('planRoute', () => {
  it('keeps configuration order between transports of equal priority', () => {
    const transports = [
      countingTransport('zulu', { priority: 5 }),
      countingTransport('alpha', { priority: 5 }),
      countingTransport('mike', { priority: 1 }),
    ];
    const plan = planRoute({ transports, mode: 'failover', envelopeBytes: 10 });
    expect(plan.map((step) => step.name)).toEqual(['mike', 'zulu', 'alpha']);
    expect(plan.every((step) => step.skipReason === undefined && step.transport !== undefined)).toBe(true);
  });

  it('reports a mode mismatch before a size mismatch', () => {
    const transports = [countingTransport('tiny', { traits: { stealth: 'low', maxEnvelopeBytes: 1 } })];
    const [step] = planRoute({ transports, mode: 'stealth', envelopeBytes: 10 });
    expect(step?.skipReason).toMatch(/^stealth mode/);
  });

  it('is the envelope lists then the configured transports, deduplicated, for any input', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name, priority: fc.integer({ min: -5, max: 5 }) }), { selector: (entry) => entry.name }),
        fc.array(name, { maxLength: 6 }),
        fc.array(name, { maxLength: 6 }),
        (configured, priorityTransports, fallbackTransports) => {
          const transports = configured.map((entry) => countingTransport(entry.name, { priority: entry.priority }));
          const plan = planRoute({ transports, priorityTransports, fallbackTransports, mode: 'failover', envelopeBytes: 1 });
          const names = plan.map((step) => step.name);

          expect(new Set(names).size).toBe(names.length);
          const requested = [...new Set([...priorityTransports, ...fallbackTransports])];
          expect(names.slice(0, requested.length)).toEqual(requested);
          const rest = names.slice(requested.length);
          const restPriorities = rest.map((restName) => configured.find((entry) => entry.name === restName)?.priority);
          expect(restPriorities).toEqual([...restPriorities].sort((left, right) => (left ?? 0) - (right ?? 0)));
          for (const entry of configured) expect(names).toContain(entry.name);
          for (const step of plan) {
            const isConfigured = configured.some((entry) => entry.name === step.name);
            expect(step.skipReason).toBe(isConfigured ? undefined : 'not configured');
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
