/**
 * Several real relays at once: publish to all, succeed while one is alive, report each
 * relay's outcome and health, and deliver each envelope once although every relay sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NostrTransportError, type NostrTransport } from '../src/index.js';
import { RelayProcess } from './relay/relay-process.js';
import { endpoint, envelopeFor, FINGERPRINT_A, FINGERPRINT_B, receiveCount, receiveFor, TempDirs, text } from './support.js';

describe('two relays, one killed mid-test', () => {
  const directories = new TempDirs();
  let first: RelayProcess;
  let second: RelayProcess;
  let alice: NostrTransport;
  let bob: NostrTransport;

  beforeAll(async () => {
    [first, second] = await Promise.all([RelayProcess.start(), RelayProcess.start()]);
    const relays = `${first.url},${second.url}`;
    alice = endpoint(FINGERPRINT_A, await directories.make(), { relays });
    bob = endpoint(FINGERPRINT_B, await directories.make(), { relays });
    await Promise.all([alice.start(), bob.start()]);
  });

  afterAll(async () => {
    await Promise.all([alice?.stop(), bob?.stop()]);
    await Promise.all([first?.kill(), second?.kill()]);
    await directories.cleanup();
  });

  const toBob = () => ({ fingerprint: FINGERPRINT_B, address: bob.publicKey });

  it('publishes to every relay, counts each OK, and delivers once although both relays send the wrap', async () => {
    const envelope = envelopeFor();
    const result = await alice.send(envelope.bytes, toBob());
    expect(result.relays.map((outcome) => [outcome.url, outcome.status])).toEqual([
      [first.url, 'accepted'],
      [second.url, 'accepted'],
    ]);
    expect(result.detail).toMatch(/^2\/2 relays accepted event [0-9a-f]{64}/);
    const [arrived] = await receiveCount(bob, 1);
    expect(text(arrived!.bytes)).toBe(text(envelope.bytes));
    expect(arrived!.source).toContain(alice.publicKey);
    // The second relay's copy arrives too, and is dropped as a duplicate.
    expect(await receiveFor(bob, 300)).toEqual([]);
    expect(bob.stats().duplicates).toBeGreaterThanOrEqual(1);
    expect((await alice.healthCheck()).status).toBe('up');
  });

  it('keeps sending through the survivor when one relay dies, and health names the dead one', async () => {
    await first.kill();
    const envelopes = [envelopeFor(), envelopeFor(), envelopeFor()];
    for (const envelope of envelopes) {
      const result = await alice.send(envelope.bytes, toBob());
      expect(result.relays.find((outcome) => outcome.url === first.url)?.status).toBe('failed');
      expect(result.relays.find((outcome) => outcome.url === second.url)?.status).toBe('accepted');
      expect(result.detail).toMatch(/^1\/2 relays accepted/);
    }
    const arrived = await receiveCount(bob, 3);
    expect(arrived.map((envelope) => text(envelope.bytes)).sort()).toEqual(envelopes.map((envelope) => text(envelope.bytes)).sort());

    const health = await alice.healthCheck();
    expect(health.status).toBe('degraded');
    expect(health.detail).toContain(`${first.url} down`);
    expect(health.relays).toEqual([
      expect.objectContaining({ url: first.url, status: 'down' }),
      expect.objectContaining({ url: second.url, status: 'up' }),
    ]);
    expect(await alice.isAvailable()).toBe(true);
  });

  it('fails with a retryable error naming both relays when neither accepts, and recovers when one returns', async () => {
    await second.kill();
    const error = await alice.send(envelopeFor().bytes, toBob()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NostrTransportError);
    expect((error as NostrTransportError).retryable).toBe(true);
    expect((error as NostrTransportError).message).toContain(first.url);
    expect((error as NostrTransportError).message).toContain(second.url);
    expect((await alice.healthCheck()).status).toBe('down');

    await second.bringUp();
    const later = envelopeFor();
    await alice.send(later.bytes, toBob());
    const [arrived] = await receiveCount(bob, 1);
    expect(text(arrived!.bytes)).toBe(text(later.bytes));
    expect((await alice.healthCheck()).status).toBe('degraded');
  });
});
