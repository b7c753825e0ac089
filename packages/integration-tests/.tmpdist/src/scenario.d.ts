import type { RouteMode } from '@skcomm/core/agent';
import { type Transport } from '@skcomm/core';
import { type Verdict } from './history.js';
import { type HomeSettings } from './harness.js';
export interface ScenarioInit {
    name: string;
    count: number;
    mode?: RouteMode;
    settings?: HomeSettings;
    /** Sends in flight at once. Default 8. */
    concurrency?: number;
    transports(fingerprints: {
        sender: string;
        receiver: string;
    }): {
        sender: Transport[];
        receiver: Transport[];
    };
    /** Called once both daemons run, before sending. */
    beforeSending?(): void;
    /** Called once everything is sent, before waiting for acks (e.g. heal a fault). */
    afterSending?(): void;
    timeoutMs?: number;
}
export interface ScenarioResult {
    verdict: Verdict;
    /** Routing rounds per message, averaged: how many times the outbox sent it. */
    averageRounds: number;
    /** Per-transport: how many messages each transport took at least once. */
    handedOffBy: Record<string, number>;
}
export declare function runScenario(init: ScenarioInit): Promise<ScenarioResult>;
//# sourceMappingURL=scenario.d.ts.map