/**
 * Shared by the job files. A job is a small script that run.mjs starts in a fresh
 * `node` process with one argument: a JSON object of parameters. It prepares its state
 * (keys, messages) outside the measurement, then calls `report()` once. run.mjs reads
 * the last line of stdout that starts with RESULT.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Parameters from run.mjs, with the defaults a job gets when started by hand. */
export function params(defaults = {}) {
  const given = process.argv[2] ? JSON.parse(process.argv[2]) : {};
  return { warmup: 0.3, duration: 2, inflight: 1, ...defaults, ...given };
}

/** Hands the result to run.mjs. `value` is the figure the tables use. */
export function report(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/**
 * Runs `op(i)` in `inflight` concurrent loops: a warm-up of `warmup` seconds, then a
 * counted window of `duration` seconds. Counts operations that complete inside the
 * window; the window closes at the completion that crosses its end. Returns ops/s,
 * the process CPU time over the window relative to wall time (1.0 = one core busy;
 * below 1 the main thread waited, e.g. on WebCrypto jobs in the libuv pool) and the
 * CPU time per operation.
 */
export async function measure(op, { inflight = 1, warmup = 0.3, duration = 2 } = {}) {
  let phase = 'warmup';
  let count = 0;
  let start = 0;
  let end = 0;
  let cpuAtStart;
  const warmupEnd = performance.now() + warmup * 1000;
  const startWindow = (now) => {
    phase = 'window';
    start = now;
    cpuAtStart = process.cpuUsage();
  };
  if (warmup <= 0) startWindow(performance.now());

  const loop = async (first) => {
    for (let i = first; phase !== 'done'; i += inflight) {
      await op(i);
      const now = performance.now();
      if (phase === 'warmup') {
        if (now >= warmupEnd) startWindow(now);
      } else if (phase === 'window') {
        count++;
        if (now - start >= duration * 1000) {
          phase = 'done';
          end = now;
        }
      }
    }
  };
  // The other loops stop after their current operation; none of those is counted.
  await Promise.all(Array.from({ length: inflight }, (_, index) => loop(index)));
  const cpu = process.cpuUsage(cpuAtStart);
  const seconds = (end - start) / 1000;
  return {
    value: count / seconds,
    unit: 'ops/s',
    better: 'higher',
    ops: count,
    seconds,
    inflight,
    cpuPerWall: (cpu.user + cpu.system) / 1e6 / seconds,
    /** Process CPU time (all threads) per operation: less sensitive to other load than ops/s. */
    cpuUsPerOp: (cpu.user + cpu.system) / count,
  };
}

/** The message body of every job: 1 KiB of base64 text (768 random bytes). */
export function body1KiB() {
  return randomBytes(768).toString('base64');
}

/**
 * For the bare openpgp.js jobs: a JSON document of the same shape and size as the
 * signed document @skcomm/core seals around a 1 KiB body, so both sides encrypt and
 * sign the same number of bytes. (At this size the per-message cost dominates anyway.)
 */
export function documentLikeBytes(body) {
  const fingerprint = (seed) => seed.repeat(40);
  return new TextEncoder().encode(
    JSON.stringify({
      body,
      content_type: 'text/plain',
      created_at: new Date().toISOString(),
      ctx: 'skcomm/envelope/v1',
      envelope_id: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b',
      from: { fingerprint: fingerprint('A'), name: 'alice' },
      in_reply_to: null,
      thread_id: null,
      to: { fingerprint: fingerprint('B'), name: 'bob' },
      ttl_seconds: 604800,
      type: 'message',
      urgency: 'normal',
    }),
  );
}

export const PASSPHRASE = 'bench passphrase';

/** Runs `main` and turns any failure into a non-zero exit with a one-line reason. */
export function run(main) {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

/** A logger that drops everything, for transports under measurement. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export const FINGERPRINT_A = 'A'.repeat(40);
export const FINGERPRINT_B = 'B'.repeat(40);

/** Envelope-shaped bytes (fresh id, 1 KiB of opaque content) for transports that read only the id. */
export function opaqueEnvelope(content = body1KiB()) {
  return new TextEncoder().encode(
    JSON.stringify({
      skcomm_version: '1.0.0',
      envelope_id: randomUUID(),
      timestamp: new Date().toISOString(),
      from: { name: 'alice', fingerprint: FINGERPRINT_A },
      to: { name: 'bob', fingerprint: FINGERPRINT_B },
      payload: { type: 'message', content_encrypted: content, signature: 'c2lnbmF0dXJl' },
    }),
  );
}

/**
 * Runs `once()` (which returns the milliseconds it measured) until the warm-up passed, then
 * for `duration` seconds and at least `minSamples` times. Reports p50 (value), p95, min, max.
 */
export async function sampleMs(once, { warmup, duration, minSamples }) {
  const warmupEnd = performance.now() + warmup * 1000;
  do await once();
  while (performance.now() < warmupEnd);
  const samples = [];
  const end = performance.now() + duration * 1000;
  while (samples.length < minSamples || performance.now() < end) samples.push(await once());
  samples.sort((x, y) => x - y);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { value: at(0.5), unit: 'ms', better: 'lower', p95: at(0.95), min: samples[0], max: samples.at(-1), samples: samples.length };
}

/** Times `send(i)` one at a time: a warm-up, then `duration` seconds. Reports p50 (value), p90, p99, max. */
export async function latencies(send, { warmup, duration }) {
  const samples = [];
  const warmupEnd = performance.now() + warmup * 1000;
  const end = warmupEnd + duration * 1000;
  for (let index = 0; ; index++) {
    const start = performance.now();
    if (start >= end) break;
    await send(index);
    if (start >= warmupEnd) samples.push(performance.now() - start);
  }
  samples.sort((left, right) => left - right);
  const at = (fraction) => samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))];
  return { value: at(0.5), unit: 'ms', better: 'lower', p90Ms: at(0.9), p99Ms: at(0.99), maxMs: samples.at(-1), samples: samples.length };
}
