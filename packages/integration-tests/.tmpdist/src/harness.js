/**
 * Real agents for the fault tests: homes with identities and pinned peers
 * (`makeTestAgents`), a fast retry schedule, and transports injected so faults can be
 * switched at run time. Waits are bounded loops on conditions, never sleeps that assume speed.
 */
import { Agent } from '@skcomm/core/agent';
import { readConfig, writeConfig } from '@skcomm/core/store';
import { makeTestAgents } from '@skcomm/core/testing';
import { silentLogger } from '@skcomm/core';
export async function makeHomes(names, settings = {}) {
    const agents = await makeTestAgents(names, { trust: 'trusted' });
    for (const name of names) {
        const home = agents[name].home;
        await writeConfig(home, {
            ...(await readConfig(home)),
            retry_schedule_seconds: settings.retrySeconds ?? [1, 2, 4],
            cooldown_after_failures: settings.cooldownAfterFailures ?? 3,
            cooldown_seconds: settings.cooldownSeconds ?? 0.2,
        });
    }
    return agents;
}
export function openAgent(agent, transports, logger = silentLogger) {
    return Agent.open({ home: agent.home, passphrase: async () => agent.passphrase, logger, transports });
}
/** Polls `check` until true; fails after `timeoutMs` with `what`. */
export async function waitFor(check, what, timeoutMs = 60_000, everyMs = 20) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
        if (await check())
            return;
        if (performance.now() > deadline)
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
}
/** The application's side: consume unread messages through the persistent cursor. */
export async function consume(agent, into) {
    const unread = await agent.unread();
    into.push(...unread.map((message) => message.body));
    await agent.markRead(unread.map((message) => message.envelopeId));
    return unread.length;
}
/** Every message in the outbox acked? */
export async function allDelivered(agent, expected) {
    const outbox = await agent.outbox();
    await outbox.refresh();
    const depth = outbox.depthByState();
    return depth.delivered + depth.read >= expected;
}
/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function inParallel(items, concurrency, task) {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        while (next < items.length) {
            const index = next++;
            await task(items[index], index);
        }
    }));
}
/** Scale of the fault runs: CI size by default, SKCOMM_FAULT_SCALE=N multiplies. */
export function scaled(ciSize) {
    const factor = Number(process.env.SKCOMM_FAULT_SCALE ?? '1');
    return Math.max(1, Math.round(ciSize * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}
//# sourceMappingURL=harness.js.map