import { defineCase } from '../define-case.js';
import { envelopeIdOf } from '../exchange.js';

export const uncommittedRedelivered = defineCase({
  name: 'uncommitted envelopes are returned again by the next receive()',
  async body({ exchange }) {
    const envelopes = exchange.envelopes(3);
    for (const envelope of envelopes) await exchange.send(envelope);
    await exchange.collect(envelopes, { commit: false });
    const again = await exchange.collect(envelopes, { commit: false });
    // Committing one of them leaves the other two pending.
    const committedId = envelopes[0]?.envelopeId;
    for (const inbound of again.inbound) if (envelopeIdOf(inbound.bytes) === committedId) await inbound.commit();
    await exchange.collect(envelopes.slice(1));
    await exchange.expectNothingArrives('all three envelopes were committed');
  },
});

export const committedNotRedelivered = defineCase({
  name: 'committed envelopes are not returned again, and commit() is idempotent',
  async body({ exchange }) {
    const envelopes = exchange.envelopes(3);
    for (const envelope of envelopes) await exchange.send(envelope);
    const arrivals = await exchange.collect(envelopes);
    for (const inbound of arrivals.inbound) await inbound.commit();
    const marker = exchange.envelope();
    await exchange.send(marker);
    await exchange.collect([marker]);
    await exchange.expectNothingArrives('every envelope was committed');
  },
});
