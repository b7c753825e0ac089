import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransportError, type InboundEnvelope } from '@skcomm/core';
import { defineCase } from '../define-case.js';
import { envelopeIdOf, failIfAny, firstDifference, inboundShapeProblems } from '../exchange.js';
import { ComplianceNotApplicableError } from '../not-applicable.js';

export const startStopIdempotent = defineCase({
  name: 'start() and stop() are idempotent, also when called concurrently, and a restarted transport works',
  async body({ exchange }) {
    const { a, b } = exchange;
    await Promise.all([a.start(), a.start(), b.start(), b.start()]);
    const first = exchange.envelope();
    await exchange.send(first);
    await exchange.collect([first]);

    await Promise.all([b.stop(), b.stop()]);
    await b.stop();
    await Promise.all([b.start(), b.start()]);
    await b.start();
    const second = exchange.envelope();
    await exchange.send(second);
    await exchange.collect([second]);
  },
});

export const nothingAfterStop = defineCase({
  name: 'nothing arrives after stop(): receive() returns nothing (or throws a TransportError) and no push happens',
  async body({ exchange }) {
    const { b } = exchange;
    const pushed: InboundEnvelope[] = [];
    b.subscribe?.((envelope) => {
      pushed.push(envelope);
    });
    await b.stop();
    // A store-and-forward transport may accept this; a realtime one should refuse it.
    await exchange.send(exchange.envelope()).catch(() => undefined);
    await sleep(exchange.quietPeriodMs);
    let received: InboundEnvelope[] = [];
    try {
      received = await b.receive();
    } catch (error) {
      assert.ok(TransportError.isTransportError(error), `receive() after stop() threw something other than a TransportError: ${String(error)}`);
    }
    assert.equal(received.length, 0, `receive() after stop() returned ${received.length} envelope(s)`);
    assert.equal(pushed.length, 0, `subscribe() pushed ${pushed.length} envelope(s) after stop()`);
  },
});

export const subscribePushes = defineCase({
  name: 'subscribe() pushes arriving envelopes byte-exact, and nothing more after unsubscribing',
  async body({ exchange }) {
    const { b } = exchange;
    if (b.subscribe === undefined) throw new ComplianceNotApplicableError('the transport has no subscribe(); push is optional in the contract');
    const envelopes = exchange.envelopes(3);
    const sent = new Map(envelopes.map((envelope) => [envelope.envelopeId, envelope.bytes]));
    const pushed = new Set<string>();
    const problems: string[] = [];
    let pushes = 0;
    const unsubscribe = b.subscribe(async (envelope) => {
      pushes++;
      problems.push(...inboundShapeProblems(envelope, b.name));
      const id = envelopeIdOf(envelope.bytes);
      const bytes = id === undefined ? undefined : sent.get(id);
      if (id === undefined || bytes === undefined) problems.push(`an unexpected or unidentifiable envelope was pushed (${id ?? 'no id'})`);
      else if (firstDifference(bytes, envelope.bytes) !== -1) problems.push(`envelope ${id} was pushed altered`);
      else pushed.add(id);
      await envelope.commit();
    });
    for (const envelope of envelopes) await exchange.send(envelope);
    const deadline = Date.now() + exchange.arrivalTimeoutMs;
    while (pushed.size < envelopes.length && problems.length === 0 && Date.now() < deadline) await sleep(10);
    if (pushed.size < envelopes.length) problems.push(`${envelopes.length - pushed.size} of 3 envelopes were not pushed within ${exchange.arrivalTimeoutMs} ms`);
    failIfAny(problems);

    unsubscribe();
    const pushesBefore = pushes;
    const later = exchange.envelope();
    await exchange.send(later);
    await exchange.collect([later]);
    assert.equal(pushes, pushesBefore, 'subscribe() kept pushing after unsubscribe()');
  },
});
