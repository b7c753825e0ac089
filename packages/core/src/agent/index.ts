/** @skcomm/core/agent: one agent home, composed. */
export { Agent, type AgentOpenOptions } from './agent.js';
export { type DaemonOptions, type DaemonSummary, runDaemon } from './daemon.js';
export { decideRound, type RoundDecision } from './delivery.js';
export type * from './types.js';
