import { describe, expect, test } from 'vitest';
import { backoffDelayMs, createRouter, TransportCooldown } from '../../src/router/index.js';
import type { DeliveryAttempt } from '../../src/router/index.js';
import { countingTransport, ENVELOPE_BYTES, ENVELOPE_ID, failingTransport, RECIPIENT } from './test-transports.js';

const failed = (transport: string, retryable = true): DeliveryAttempt => ({
  transport,
  outcome: 'failed',
  started_at: new Date().toISOString(),
  duration_ms: 1,
  error: { code: 'E_TRANSPORT', message: 'refused', retryable },
});

describe('TransportCooldown', () => {
  test('cools down after N retryable failures in a row, doubling per failed probe, and a success ends it', () => {
    let clock = 0;
    const cooldown = new TransportCooldown({ failuresBeforeCooldown: 2, baseMs: 1000, maxMs: 3000 }, () => clock);
    cooldown.record(failed('ws'));
    expect(cooldown.remainingMs('ws')).toBe(0);
    clock = 10;
    cooldown.record(failed('ws'));
    expect(cooldown.remainingMs('ws')).toBe(1000);
    clock = 1010;
    cooldown.record(failed('ws')); // the probe failed
    expect(cooldown.remainingMs('ws')).toBe(2000);
    clock = 1020;
    cooldown.record(failed('ws'));
    expect(cooldown.remainingMs('ws')).toBe(3000); // capped
    expect(cooldown.snapshot().ws).toMatchObject({ consecutive_failures: 4, last_error: { code: 'E_TRANSPORT' } });
    cooldown.record({ ...failed('ws'), outcome: 'handed-off' });
    expect(cooldown.remainingMs('ws')).toBe(0);
    expect(cooldown.snapshot().ws).toMatchObject({ consecutive_failures: 0, cooling_down_until: null });
  });

  test('sends that failed together count as one failure; one that started after the last counted failure counts', () => {
    let clock = 0;
    const cooldown = new TransportCooldown({ failuresBeforeCooldown: 3, baseMs: 1000, maxMs: 60_000 }, () => clock);
    const failedAfter = (durationMs: number): DeliveryAttempt => ({ ...failed('ws'), duration_ms: durationMs });
    // The relay goes away under 16 sends in flight: each fails after having waited a while.
    clock = 500;
    for (let index = 0; index < 16; index++) cooldown.record(failedAfter(400 + index));
    expect(cooldown.consecutiveFailures('ws')).toBe(1);
    expect(cooldown.remainingMs('ws')).toBe(0);
    // The next rounds, one after the other: each is a failure of its own.
    clock = 600;
    cooldown.record(failedAfter(50));
    clock = 700;
    cooldown.record(failedAfter(50));
    expect(cooldown.consecutiveFailures('ws')).toBe(3);
    expect(cooldown.remainingMs('ws')).toBe(1000);
    expect(cooldown.snapshot().ws).toMatchObject({ consecutive_failures: 3, last_error: { code: 'E_TRANSPORT' } });
  });

  test('non-retryable failures (about the envelope) and skips do not count', () => {
    const cooldown = new TransportCooldown({ failuresBeforeCooldown: 1, baseMs: 1000, maxMs: 1000 }, () => 0);
    cooldown.record(failed('ws', false));
    cooldown.record({ ...failed('ws'), outcome: 'skipped' });
    expect(cooldown.remainingMs('ws')).toBe(0);
  });

  test('the router skips a cooling transport and says why', async () => {
    const cooldown = new TransportCooldown({ failuresBeforeCooldown: 1, baseMs: 60_000, maxMs: 60_000 });
    const down = failingTransport('ws', { priority: 1 });
    const file = countingTransport('file', { priority: 2 });
    const router = createRouter({ transports: [down, file], cooldown });
    await router.route(ENVELOPE_BYTES, { envelopeId: ENVELOPE_ID, recipientFingerprint: RECIPIENT });
    const second = await router.route(ENVELOPE_BYTES, { envelopeId: ENVELOPE_ID, recipientFingerprint: RECIPIENT });
    expect(down.sent).toHaveLength(1);
    expect(second.attempts[0]).toMatchObject({ transport: 'ws', outcome: 'skipped', detail: expect.stringMatching(/^cooling down for 60 s after 1 failures/) });
    expect(second).toMatchObject({ state: 'handed-off', transport: 'file' });
  });
});

describe('backoffDelayMs', () => {
  test('follows the schedule, repeats its last step, and jitters within ±20 %', () => {
    const schedule = [5000, 15_000, 60_000];
    expect(backoffDelayMs(schedule, 1, () => 0.5)).toBe(5000);
    expect(backoffDelayMs(schedule, 2, () => 0.5)).toBe(15_000);
    expect(backoffDelayMs(schedule, 9, () => 0.5)).toBe(60_000);
    expect(backoffDelayMs(schedule, 1, () => 0)).toBe(4000);
    expect(backoffDelayMs(schedule, 1, () => 1)).toBe(6000);
  });
});
