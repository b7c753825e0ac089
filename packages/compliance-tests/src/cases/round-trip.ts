import assert from 'node:assert/strict';
import { TransportError } from '@skcomm/core';
import { defineCase } from '../define-case.js';
import { byteCoverageText, UNICODE_SAMPLE } from '../test-envelope.js';

export const nothingWhenEmpty = defineCase({
  name: 'receive() returns nothing when nothing was sent',
  async body({ exchange }) {
    assert.deepEqual(await exchange.a.receive(), [], 'a received something nobody sent');
    await exchange.expectNothingArrives('nothing was sent');
  },
});

export const tinyRoundTrip = defineCase({
  name: 'the smallest envelope makes the round trip byte-exact',
  async body({ exchange }) {
    const envelope = exchange.envelope();
    const result = await exchange.send(envelope);
    assert.equal(result.transport, exchange.a.name, 'SendResult.transport must name the sending transport');
    await exchange.collect([envelope]);
  },
});

export const maxSizeRoundTrip = defineCase({
  name: 'an envelope of exactly traits.maxEnvelopeBytes makes the round trip byte-exact',
  async body({ exchange }) {
    const size = Math.min(exchange.a.traits.maxEnvelopeBytes, exchange.b.traits.maxEnvelopeBytes);
    const envelope = exchange.envelope({ totalBytes: size });
    await exchange.send(envelope);
    await exchange.collect([envelope]);
  },
});

export const oversizeRefused = defineCase({
  name: 'send() refuses an envelope one byte over traits.maxEnvelopeBytes with a non-retryable TransportError',
  async body({ exchange }) {
    const oversize = exchange.envelope({ totalBytes: exchange.a.traits.maxEnvelopeBytes + 1 });
    await assert.rejects(exchange.send(oversize), (error: unknown) => {
      assert.ok(TransportError.isTransportError(error), `expected a TransportError, got: ${String(error)}`);
      assert.equal(error.retryable, false, 'an oversized envelope will never fit: retryable must be false');
      return true;
    });
    const marker = exchange.envelope();
    await exchange.send(marker);
    await exchange.collect([marker]);
    await exchange.expectNothingArrives('the oversized envelope was refused');
  },
});

export const byteValuesSurvive = defineCase({
  name: 'every byte value UTF-8 JSON can hold, and every code point U+0000-U+00FF, survive byte-exact',
  async body({ exchange }) {
    const envelope = exchange.envelope({ text: byteCoverageText(), rawWhitespace: true });
    await exchange.send(envelope);
    await exchange.collect([envelope]);
  },
});

export const unicodeSurvives = defineCase({
  name: 'unicode survives byte-exact: no normalization, no BOM, newline or encoding rewriting',
  async body({ exchange }) {
    const envelope = exchange.envelope({ text: UNICODE_SAMPLE, rawWhitespace: true });
    await exchange.send(envelope);
    await exchange.collect([envelope]);
  },
});
