/**
 * Real agents for the fault tests: homes with identities and pinned peers
 * (`makeTestAgents`), a fast retry schedule, and transports injected so faults can be
 * switched at run time. Waits are bounded loops on conditions, never sleeps that assume speed.
 */
import { Agent } from '@skcomm/core/agent';
import { type TestAgent } from '@skcomm/core/testing';
import { type Logger, type Transport } from '@skcomm/core';
export interface HomeSettings {
    /** Outbox retry schedule, seconds. Default 1 s, 2 s, 4 s. */
    retrySeconds?: number[];
    cooldownAfterFailures?: number;
    cooldownSeconds?: number;
}
export declare function makeHomes<const TName extends string>(names: readonly TName[], settings?: HomeSettings): Promise<import("@skcomm/core/testing").TestAgents<TName>>;
export declare function openAgent(agent: TestAgent, transports: Transport[], logger?: Logger): Promise<Agent>;
/** Polls `check` until true; fails after `timeoutMs` with `what`. */
export declare function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs?: number, everyMs?: number): Promise<void>;
/** The application's side: consume unread messages through the persistent cursor. */
export declare function consume(agent: Agent, into: string[]): Promise<number>;
/** Every message in the outbox acked? */
export declare function allDelivered(agent: Agent, expected: number): Promise<boolean>;
/** Runs `task` over `items` with at most `concurrency` at a time. */
export declare function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void>;
/** Scale of the fault runs: CI size by default, SKCOMM_FAULT_SCALE=N multiplies. */
export declare function scaled(ciSize: number): number;
//# sourceMappingURL=harness.d.ts.map