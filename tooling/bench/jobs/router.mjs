/**
 * Router costs. `overhead`: µs per message that createRouter().route() adds over calling
 * the transport's send() directly (an in-process transport that hands off at once), as a
 * percentage of one core seal in the same process: the target is <= 10 %.
 * `broadcast-first` (with `transports` = 1 or 3): ms until the first hand-off when
 * broadcasting to N transports that each take 5 ms: concurrent sends keep it flat.
 */
import { TRANSPORT_SPECIFICATION_VERSION, serializeEnvelope } from '@skcomm/core';
import { sealEnvelope } from '@skcomm/core/crypto';
import { createRouter } from '@skcomm/core/router';
import { coreKeys } from './core.mjs';
import { body1KiB, measure, params, report, run } from './lib.mjs';

function transport(name, delayMs, onHandOff) {
  return {
    specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
    name,
    priority: 1,
    traits: { delivery: 'realtime', expectedLatencyMs: 1, maxEnvelopeBytes: 1 << 20, stealth: 'high', metadataExposure: '', duplex: true, hopAck: true },
    async start() {},
    async stop() {},
    async isAvailable() {
      return true;
    },
    async send() {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      onHandOff?.();
      return { transport: name };
    },
    async receive() {
      return [];
    },
    async healthCheck() {
      return { status: 'up', checkedAt: new Date() };
    },
  };
}

run(async () => {
  const options = params({ variant: 'overhead', transports: 3 });
  const keys = await coreKeys();
  const envelope = await sealEnvelope({ body: body1KiB() }, keys.seal);
  const bytes = serializeEnvelope(envelope);
  const request = { envelopeId: envelope.envelope_id, recipientFingerprint: envelope.to.fingerprint };

  if (options.variant === 'overhead') {
    const direct = transport('direct', 0);
    const router = createRouter({ transports: [transport('routed', 0)] });
    const slice = { ...options, duration: options.duration / 3 };
    const viaRouter = await measure(() => router.route(bytes, request), slice);
    const directly = await measure(() => direct.send(bytes, { fingerprint: request.recipientFingerprint }), slice);
    const seal = await measure(() => sealEnvelope({ body: body1KiB() }, keys.seal), slice);
    const overheadUs = 1e6 / viaRouter.value - 1e6 / directly.value;
    const sealUs = 1e6 / seal.value;
    report({ value: Number(((100 * overheadUs) / sealUs).toFixed(3)), unit: '% of seal', better: 'lower', overheadUs, sealUs, routeRate: viaRouter.value, directRate: directly.value });
    return;
  }
  // broadcast-first: time from route() to the first hand-off, N transports of 5 ms each.
  const samples = [];
  let firstAt = 0;
  let started = 0;
  const transports = Array.from({ length: options.transports }, (_, index) =>
    transport(`t${index}`, 5, () => {
      if (firstAt === 0) firstAt = performance.now();
    }),
  );
  const router = createRouter({ transports });
  const deadline = performance.now() + (options.warmup + options.duration) * 1000;
  while (performance.now() < deadline) {
    firstAt = 0;
    started = performance.now();
    await router.route(bytes, { ...request, mode: 'broadcast' });
    samples.push(firstAt - started);
  }
  samples.sort((a, b) => a - b);
  report({ value: samples[Math.floor(samples.length / 2)], unit: 'ms', better: 'lower', p90: samples[Math.floor(samples.length * 0.9)], runs: samples.length });
});
