/**
 * One in-process fault run: a sender and a receiver agent, each with its daemon
 * (receive loop, outbox retries, acks), `count` messages sent concurrently, the
 * application consuming through its cursor, faults switched by the caller. Ends when
 * every message is acked (bounded wait), then checks the history.
 */
import { runDaemon } from '@skcomm/core/agent';
import { silentLogger } from '@skcomm/core';
import { checkHistory } from './history.js';
import { allDelivered, consume, inParallel, makeHomes, openAgent, waitFor } from './harness.js';
export async function runScenario(init) {
    const homes = await makeHomes(['sender', 'receiver'], init.settings);
    const fingerprints = { sender: homes.sender.identity.fingerprint, receiver: homes.receiver.identity.fingerprint };
    const transports = init.transports(fingerprints);
    const sender = await openAgent(homes.sender, transports.sender);
    const receiver = await openAgent(homes.receiver, transports.receiver);
    const stop = new AbortController();
    const attempted = [];
    const confirmed = [];
    const consumed = [];
    const ready = [];
    const daemons = [sender, receiver].map((agent) => {
        let onReady;
        ready.push(new Promise((resolve) => (onReady = resolve)));
        return runDaemon(agent, { signal: stop.signal, logger: silentLogger, pollIntervalMs: 20, retryTickMs: 20, compactOnStart: false, onReady });
    });
    try {
        await Promise.race([Promise.all(ready), ...daemons]);
        init.beforeSending?.();
        const consumer = (async () => {
            while (!stop.signal.aborted) {
                await consume(receiver, consumed);
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
        })();
        const bodies = Array.from({ length: init.count }, (_, index) => `${init.name}-${index}`);
        await inParallel(bodies, init.concurrency ?? 8, async (body) => {
            attempted.push(body);
            await sender.send('receiver', { body }, { mode: init.mode ?? 'failover' });
            confirmed.push(body);
        });
        init.afterSending?.();
        await waitFor(() => allDelivered(sender, init.count), `${init.name}: every message acked`, init.timeoutMs ?? 90_000, 50);
        stop.abort();
        await consumer;
        await Promise.all(daemons);
        await consume(receiver, consumed);
        const entries = (await sender.outbox()).list();
        const handedOffBy = {};
        for (const entry of entries) {
            for (const [name, state] of Object.entries(entry.transports)) {
                if (state.outcome === 'handed-off' || state.attempts > 0)
                    handedOffBy[name] = (handedOffBy[name] ?? 0) + (state.outcome === 'handed-off' ? 1 : 0);
            }
        }
        const averageRounds = entries.reduce((sum, entry) => sum + entry.rounds, 0) / Math.max(1, entries.length);
        return { verdict: checkHistory({ attempted, confirmed, consumed }), averageRounds, handedOffBy };
    }
    finally {
        stop.abort();
        await Promise.allSettled(daemons);
        await Promise.all([sender.close(), receiver.close()]);
        await homes.cleanup();
    }
}
//# sourceMappingURL=scenario.js.map