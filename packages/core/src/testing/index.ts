/** @skcomm/core/testing: helpers for tests of SKComm and of code built on it. Not for production. */
export { makeTestAgents, type MakeTestAgentsOptions, type TestAgent, type TestAgents } from './agents.js';
export { type InboundOptions, inboundEnvelope, type TestInboundEnvelope } from './inbound.js';
