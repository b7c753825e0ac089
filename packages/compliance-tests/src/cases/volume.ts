import { defineCase } from '../define-case.js';

export const thousandArrive = defineCase({
  name: '1,000 envelopes sent one after another all arrive (order not required)',
  async body({ exchange }) {
    const envelopes = exchange.envelopes(1000);
    for (const envelope of envelopes) await exchange.send(envelope);
    await exchange.collect(envelopes);
  },
});

export const concurrentSends = defineCase({
  name: '100 concurrent sends all resolve and all arrive',
  async body({ exchange }) {
    const envelopes = exchange.envelopes(100);
    await Promise.all(envelopes.map((envelope) => exchange.send(envelope)));
    await exchange.collect(envelopes);
  },
});

export const receiveLimit = defineCase({
  name: 'receive({ limit }) returns at most limit envelopes',
  async body({ exchange }) {
    const envelopes = exchange.envelopes(5);
    for (const envelope of envelopes) await exchange.send(envelope);
    await exchange.collect(envelopes, { limit: 2 });
  },
});
