/** @skcomm/core/agent: one agent home, composed. */
export { Agent, type AgentOpenOptions } from './agent.js';
export type * from './types.js';
