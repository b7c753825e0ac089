import assert from 'node:assert/strict';
import { TransportError, type Transport, type TransportHealth } from '@skcomm/core';
import { defineCase } from '../define-case.js';

export const sendToDownFailsRetryable = defineCase({
  name: 'send() to a down counterpart fails with a retryable TransportError, and works again once it is up',
  async body({ exchange, requireDownControl }) {
    const down = requireDownControl();
    await down.takeDown();
    const lost = exchange.envelope();
    await assert.rejects(
      exchange.send(lost),
      (error: unknown) => {
        assert.ok(
          TransportError.isTransportError(error),
          `send() to a down counterpart must throw a TransportError, got: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        );
        assert.equal(error.retryable, true, 'a down counterpart may come back: retryable must be true');
        assert.equal(error.transport, exchange.a.name, 'TransportError.transport must name the failing transport');
        return true;
      },
      'send() to a down counterpart resolved; it must reject',
    );
    await down.bringUp();
    const envelope = exchange.envelope();
    await exchange.send(envelope);
    await exchange.collect([envelope]);
    await exchange.expectNothingArrives('the send while down failed, so that envelope must not arrive');
  },
});

export const healthIsTruthful = defineCase({
  name: 'healthCheck() and isAvailable() report down while the counterpart is down, and up once it is up',
  async body({ exchange, requireDownControl }) {
    const down = requireDownControl();
    const transport = exchange.a;
    await expectHealth(transport, 'up', 'before takeDown()');
    await down.takeDown();
    const downHealth = await expectHealth(transport, 'down', 'after takeDown()');
    assert.ok(typeof downHealth.detail === 'string' && downHealth.detail.trim() !== '', 'a down health report must say why in detail');
    await down.bringUp();
    await expectHealth(transport, 'up', 'after bringUp()');
  },
});

async function expectHealth(transport: Transport, status: 'up' | 'down', when: string): Promise<TransportHealth> {
  const health = await transport.healthCheck();
  assert.equal(health.status, status, `${when}, healthCheck() reported "${health.status}" (${health.detail ?? 'no detail'})`);
  assert.ok(health.checkedAt instanceof Date && !Number.isNaN(health.checkedAt.getTime()), 'health.checkedAt must be a valid Date');
  if (health.latencyMs !== undefined) {
    assert.ok(Number.isFinite(health.latencyMs) && health.latencyMs >= 0, `health.latencyMs ${health.latencyMs} is not a number >= 0`);
  }
  assert.equal(await transport.isAvailable(), status === 'up', `${when}, isAvailable() disagrees with healthCheck()`);
  return health;
}

export const abortedSendRejected = defineCase({
  name: 'send() with an already aborted signal rejects and delivers nothing',
  async body({ exchange }) {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(exchange.send(exchange.envelope(), { signal: controller.signal }), 'send() ignored an aborted signal');
    const marker = exchange.envelope();
    await exchange.send(marker);
    await exchange.collect([marker]);
    await exchange.expectNothingArrives('the aborted send must not deliver');
  },
});
