import { describe, expect, it } from 'vitest';
import { ConfigError, EnvelopeError, ErrorCode, SkcommError, TransportError } from '../../src/errors.js';
import { createRouter, type RouterEvent } from '../../src/router/index.js';
import type { Logger } from '../../src/transport/contract.js';
import {
  countingTransport,
  deferred,
  ENVELOPE_BYTES,
  ENVELOPE_ID,
  failingTransport,
  RECIPIENT,
  slowTransport,
  unavailableTransport,
} from './test-transports.js';

const request = { envelopeId: ENVELOPE_ID, recipientFingerprint: RECIPIENT };

/** A clock that advances 5 ms every time it is read. */
function steppingClock(start = Date.parse('2026-01-02T03:04:05.000Z')) {
  let current = start;
  return () => {
    const date = new Date(current);
    current += 5;
    return date;
  };
}

describe('failover', () => {
  it('hands off to the first transport in priority order and tries no other', async () => {
    const first = countingTransport('first', { priority: 10 });
    const second = countingTransport('second', { priority: 20 });
    const router = createRouter({ transports: [second, first] });

    const report = await router.route(ENVELOPE_BYTES, request);

    expect(report).toMatchObject({ envelope_id: ENVELOPE_ID, state: 'handed-off', transport: 'first' });
    expect(report.attempts.map((attempt) => [attempt.transport, attempt.outcome])).toEqual([['first', 'handed-off']]);
    expect(first.sent).toHaveLength(1);
    expect(first.sent[0]?.bytes).toBe(ENVELOPE_BYTES);
    expect(first.sent[0]?.target.fingerprint).toBe(RECIPIENT);
    expect(second.sent).toHaveLength(0);
    expect(second.availabilityChecks).toBe(0);
  });

  it('moves on after a failure and reports the error the transport gave', async () => {
    const down = failingTransport('down', { priority: 1 });
    const up = countingTransport('up', { priority: 2 });
    const report = await createRouter({ transports: [down, up] }).route(ENVELOPE_BYTES, request);

    expect(report.state).toBe('handed-off');
    expect(report.transport).toBe('up');
    expect(report.attempts).toHaveLength(2);
    expect(report.attempts[0]).toMatchObject({
      transport: 'down',
      outcome: 'failed',
      error: { code: ErrorCode.Transport, message: 'down is down', retryable: true },
    });
    expect(report.attempts[1]).toMatchObject({ transport: 'up', outcome: 'handed-off', detail: 'up:no-address' });
  });

  it('follows priority_transports, then fallback_transports, then configured priority, each name once', async () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const priorities: Record<string, number> = { alpha: 5, bravo: 4, charlie: 3, delta: 2, echo: 1 };
    const transports = names.map((name) => failingTransport(name, { priority: priorities[name] ?? 0 }));
    const report = await createRouter({ transports }).route(ENVELOPE_BYTES, {
      ...request,
      priorityTransports: ['charlie', 'alpha', 'charlie'],
      fallbackTransports: ['bravo', 'alpha'],
    });

    expect(report.attempts.map((attempt) => attempt.transport)).toEqual(['charlie', 'alpha', 'bravo', 'echo', 'delta']);
    for (const transport of transports) expect(transport.sent).toHaveLength(1);
  });

  it('records a priority transport that is not configured as skipped, and carries on', async () => {
    const configured = countingTransport('file');
    const report = await createRouter({ transports: [configured] }).route(ENVELOPE_BYTES, {
      ...request,
      priorityTransports: ['nostr'],
    });

    expect(report.attempts).toMatchObject([
      { transport: 'nostr', outcome: 'skipped', detail: 'not configured', duration_ms: 0 },
      { transport: 'file', outcome: 'handed-off' },
    ]);
  });

  it('skips unavailable transports without sending, with the reason', async () => {
    const offline = unavailableTransport('offline', { priority: 1 });
    const broken = countingTransport('broken', {
      priority: 2,
      available: async () => {
        throw new Error('probe exploded');
      },
    });
    const online = countingTransport('online', { priority: 3 });
    const report = await createRouter({ transports: [offline, broken, online] }).route(ENVELOPE_BYTES, request);

    expect(report.attempts).toMatchObject([
      { transport: 'offline', outcome: 'skipped', detail: 'not available' },
      { transport: 'broken', outcome: 'skipped', detail: 'availability check failed: probe exploded' },
      { transport: 'online', outcome: 'handed-off' },
    ]);
    expect(offline.availabilityChecks).toBe(1);
    expect(offline.sent).toHaveLength(0);
    expect(broken.sent).toHaveLength(0);
  });

  it('skips a transport whose size limit is below the envelope, and uses one whose limit equals it', async () => {
    const size = ENVELOPE_BYTES.byteLength;
    const small = countingTransport('small', { priority: 1, traits: { maxEnvelopeBytes: size - 1 } });
    const exact = countingTransport('exact', { priority: 2, traits: { maxEnvelopeBytes: size } });
    const report = await createRouter({ transports: [small, exact] }).route(ENVELOPE_BYTES, request);

    expect(report.attempts).toMatchObject([
      { transport: 'small', outcome: 'skipped', detail: `envelope is ${size} bytes, over this transport's ${size - 1}-byte limit` },
      { transport: 'exact', outcome: 'handed-off' },
    ]);
    expect(small.availabilityChecks).toBe(0);
  });

  it('returns a failed report with every attempt, without throwing, when nothing takes the envelope', async () => {
    const typed = failingTransport('typed', {
      priority: 1,
      error: new TransportError('relay said 413', { transport: 'typed', retryable: false }),
    });
    const untyped = failingTransport('untyped', { priority: 2, error: new Error('ECONNRESET\nstack noise') });
    const config = failingTransport('config', {
      priority: 3,
      error: new ConfigError(ErrorCode.ConfigInvalid, 'no relay url configured'),
    });
    const offline = unavailableTransport('offline', { priority: 4 });
    const report = await createRouter({ transports: [typed, untyped, config, offline] }).route(ENVELOPE_BYTES, request);

    expect(report.state).toBe('failed');
    expect(report.transport).toBeUndefined();
    expect(report.attempts).toMatchObject([
      { transport: 'typed', outcome: 'failed', error: { code: ErrorCode.Transport, message: 'relay said 413', retryable: false } },
      { transport: 'untyped', outcome: 'failed', error: { code: ErrorCode.Transport, message: 'ECONNRESET', retryable: true } },
      { transport: 'config', outcome: 'failed', error: { code: ErrorCode.ConfigInvalid, retryable: false } },
      { transport: 'offline', outcome: 'skipped', detail: 'not available' },
    ]);
  });

  it('returns a failed report with no attempts when no transport is configured', async () => {
    const report = await createRouter({ transports: [] }).route(ENVELOPE_BYTES, request);
    expect(report).toEqual({ envelope_id: ENVELOPE_ID, state: 'failed', attempts: [] });
  });

  it("passes each transport the recipient's address for it, never one from Object.prototype", async () => {
    const relay = failingTransport('relay', { priority: 1 });
    const constructorNamed = countingTransport('constructor', { priority: 2 });
    await createRouter({ transports: [relay, constructorNamed] }).route(ENVELOPE_BYTES, {
      ...request,
      addresses: { relay: 'wss://relay.example/inbox' },
    });

    expect(relay.sent[0]?.target).toEqual({ fingerprint: RECIPIENT, address: 'wss://relay.example/inbox' });
    expect(constructorNamed.sent[0]?.target).toEqual({ fingerprint: RECIPIENT });
  });

  it('times attempts with the injected clock', async () => {
    const report = await createRouter({ transports: [countingTransport('file')], now: steppingClock() }).route(ENVELOPE_BYTES, request);
    // Clock reads: queued event, attempt start, attempt end.
    expect(report.attempts[0]).toMatchObject({ started_at: '2026-01-02T03:04:05.005Z', duration_ms: 5 });
  });
});

describe('modes', () => {
  it('broadcast sends to every eligible transport at once', async () => {
    const allStarted = deferred();
    let started = 0;
    const concurrent = (name: string, priority: number) =>
      countingTransport(name, {
        priority,
        send: async () => {
          // Resolves only when all three sends are in flight together; sequential sends would time out.
          if (++started === 3) allStarted.resolve();
          await Promise.race([allStarted.promise, rejectAfter(2_000, 'sends did not run concurrently')]);
          return { transport: name };
        },
      });
    const transports = [concurrent('one', 1), concurrent('two', 2), concurrent('three', 3), unavailableTransport('four', { priority: 4 })];

    const report = await createRouter({ transports }).route(ENVELOPE_BYTES, { ...request, mode: 'broadcast' });

    expect(report.state).toBe('handed-off');
    expect(report.transport).toBe('one');
    expect(report.attempts.map((attempt) => [attempt.transport, attempt.outcome])).toEqual([
      ['one', 'handed-off'],
      ['two', 'handed-off'],
      ['three', 'handed-off'],
      ['four', 'skipped'],
    ]);
  });

  it('broadcast is handed off when any transport succeeded, and names the first in route order that did', async () => {
    const transports = [failingTransport('a', { priority: 1 }), countingTransport('b', { priority: 2 }), countingTransport('c', { priority: 3 })];
    const report = await createRouter({ transports }).route(ENVELOPE_BYTES, { ...request, mode: 'broadcast' });

    expect(report).toMatchObject({ state: 'handed-off', transport: 'b' });
    expect(report.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'handed-off', 'handed-off']);
    for (const transport of transports) expect(transport.sent).toHaveLength(1);
  });

  it('broadcast fails when every transport fails', async () => {
    const report = await createRouter({ transports: [failingTransport('a'), failingTransport('b')] }).route(ENVELOPE_BYTES, {
      ...request,
      mode: 'broadcast',
    });
    expect(report.state).toBe('failed');
    expect(report.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'failed']);
  });

  it('stealth uses only high-stealth transports', async () => {
    const loud = countingTransport('loud', { priority: 1, traits: { stealth: 'low' } });
    const quiet = countingTransport('quiet', { priority: 2, traits: { stealth: 'high' } });
    const report = await createRouter({ transports: [loud, quiet] }).route(ENVELOPE_BYTES, { ...request, mode: 'stealth' });

    expect(report.attempts).toMatchObject([
      { transport: 'loud', outcome: 'skipped', detail: 'stealth mode uses only high-stealth transports; this one is low' },
      { transport: 'quiet', outcome: 'handed-off' },
    ]);
    expect(loud.availabilityChecks).toBe(0);
  });

  it('stealth fails rather than fall back to a low-stealth transport', async () => {
    const loud = countingTransport('loud', { traits: { stealth: 'medium' } });
    const report = await createRouter({ transports: [loud] }).route(ENVELOPE_BYTES, {
      ...request,
      mode: 'stealth',
      priorityTransports: ['loud'],
    });
    expect(report.state).toBe('failed');
    expect(loud.sent).toHaveLength(0);
  });

  it('speed uses only realtime transports, in failover order', async () => {
    const mailbox = countingTransport('mailbox', { priority: 1, traits: { delivery: 'store-and-forward' } });
    const usb = countingTransport('usb', { priority: 2, traits: { delivery: 'offline' } });
    const socketDown = failingTransport('socket', { priority: 3, traits: { delivery: 'realtime' } });
    const webrtc = countingTransport('webrtc', { priority: 4, traits: { delivery: 'realtime' } });
    const report = await createRouter({ transports: [mailbox, usb, socketDown, webrtc] }).route(ENVELOPE_BYTES, {
      ...request,
      mode: 'speed',
    });

    expect(report.attempts.map((attempt) => [attempt.transport, attempt.outcome])).toEqual([
      ['mailbox', 'skipped'],
      ['usb', 'skipped'],
      ['socket', 'failed'],
      ['webrtc', 'handed-off'],
    ]);
    expect(report.attempts[0]?.detail).toBe('speed mode uses only realtime transports; this one is store-and-forward');
  });
});

describe('events', () => {
  it('emits queued, one attempt per attempt, then handed-off', async () => {
    const events: RouterEvent[] = [];
    const router = createRouter({
      transports: [failingTransport('down', { priority: 1 }), countingTransport('up', { priority: 2 })],
      onEvent: (event) => events.push(event),
    });
    const report = await router.route(ENVELOPE_BYTES, { ...request, priorityTransports: ['ghost'] });

    expect(events.map((event) => event.type)).toEqual(['queued', 'attempt', 'attempt', 'attempt', 'handed-off']);
    expect(events[0]).toMatchObject({ type: 'queued', envelope_id: ENVELOPE_ID, mode: 'failover', route: ['ghost', 'down', 'up'] });
    expect(events.slice(1, 4).map((event) => (event.type === 'attempt' ? event.attempt : undefined))).toEqual(report.attempts);
    expect(events[4]).toMatchObject({ type: 'handed-off', report });
  });

  it('emits failed with the report when nothing took the envelope', async () => {
    const events: RouterEvent[] = [];
    const router = createRouter({ transports: [failingTransport('down')] });
    router.onEvent((event) => events.push(event));
    const report = await router.route(ENVELOPE_BYTES, request);

    expect(events.at(-1)).toMatchObject({ type: 'failed', envelope_id: ENVELOPE_ID, report });
  });

  it('stops delivering to an unsubscribed listener, and survives a listener that throws', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };
    const router = createRouter({ transports: [countingTransport('file')], logger });
    const seen: string[] = [];
    const unsubscribe = router.onEvent((event) => seen.push(event.type));
    router.onEvent(() => {
      throw new Error('listener bug');
    });

    const first = await router.route(ENVELOPE_BYTES, request);
    unsubscribe();
    await router.route(ENVELOPE_BYTES, request);

    expect(first.state).toBe('handed-off');
    expect(seen).toEqual(['queued', 'attempt', 'handed-off']);
    expect(warnings.filter((message) => message === 'router event listener threw')).toHaveLength(6);
  });
});

describe('cancellation', () => {
  it('rejects with the abort reason and tries no further transport', async () => {
    const slow = slowTransport('slow', { priority: 1 });
    const next = countingTransport('next', { priority: 2 });
    const controller = new AbortController();
    const routing = createRouter({ transports: [slow.transport, next] }).route(ENVELOPE_BYTES, { ...request, signal: controller.signal });

    await slow.started;
    controller.abort(new Error('user pressed ctrl-c'));

    await expect(routing).rejects.toThrow('user pressed ctrl-c');
    expect(next.availabilityChecks).toBe(0);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const file = countingTransport('file');
    const controller = new AbortController();
    controller.abort();
    await expect(createRouter({ transports: [file] }).route(ENVELOPE_BYTES, { ...request, signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
    expect(file.availabilityChecks).toBe(0);
  });

  it('in broadcast, waits for in-flight sends to settle before rejecting', async () => {
    const slow = slowTransport('slow', { priority: 1 });
    const fast = countingTransport('fast', { priority: 2 });
    const controller = new AbortController();
    const routing = createRouter({ transports: [slow.transport, fast] }).route(ENVELOPE_BYTES, {
      ...request,
      mode: 'broadcast',
      signal: controller.signal,
    });
    await slow.started;
    controller.abort(new Error('stop'));

    await expect(routing).rejects.toThrow('stop');
    expect(fast.sent).toHaveLength(1);
  });
});

describe('configuration and requests', () => {
  it('refuses two transports with the same name', () => {
    const attempt = () => createRouter({ transports: [countingTransport('file'), countingTransport('file')] });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('two configured transports are named "file"');
  });

  it.each([
    ['an uppercase envelope id', { envelopeId: ENVELOPE_ID.toUpperCase() }, 'envelope_id'],
    ['a path as envelope id', { envelopeId: '../../etc/passwd' }, 'envelope_id'],
    ['a 16-hex key id as recipient', { recipientFingerprint: 'ABCDEF0123456789' }, 'to.fingerprint'],
  ])('refuses %s before any transport sees it', async (_label, override, field) => {
    const file = countingTransport('file');
    const routing = createRouter({ transports: [file] }).route(ENVELOPE_BYTES, { ...request, ...override });
    await expect(routing).rejects.toBeInstanceOf(EnvelopeError);
    await expect(routing).rejects.toMatchObject({ code: ErrorCode.EnvelopeInvalid, field });
    expect(file.availabilityChecks).toBe(0);
  });

  it('refuses an unknown mode and empty bytes', async () => {
    const router = createRouter({ transports: [countingTransport('file')] });
    const badMode = router.route(ENVELOPE_BYTES, { ...request, mode: 'teleport' as never });
    await expect(badMode).rejects.toSatisfy((error) => SkcommError.hasCode(error, ErrorCode.ConfigInvalid));
    await expect(router.route(new Uint8Array(0), request)).rejects.toMatchObject({ code: ErrorCode.EnvelopeInvalid, field: '(bytes)' });
  });
});

function rejectAfter(milliseconds: number, message: string): Promise<never> {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error(message)), milliseconds).unref());
}
