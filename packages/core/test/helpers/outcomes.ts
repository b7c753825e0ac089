/** Assertions shared by the receive and security tests. */
import { expect } from 'vitest';
import type { Envelope, ErrorCode } from '../../src/index.js';
import type { ReceiveOutcome, ReceivePipelineOptions } from '../../src/receive/index.js';
import { inboundEnvelope, type TestAgent } from '../../src/testing/index.js';

/**
 * Processes `input` at `agent` and asserts a typed rejection with `code`: nothing reached
 * the inbox or the replay store, the bytes are in quarantine with that code, and the
 * envelope was committed once (it will not come back).
 */
export async function expectRejected(
  agent: TestAgent,
  input: Envelope | Uint8Array | string,
  code: ErrorCode,
  options: Partial<ReceivePipelineOptions> = {},
): Promise<Extract<ReceiveOutcome, { status: 'rejected' }>> {
  const inboxBefore = (await agent.inbox.list()).length;
  const replayBefore = agent.replay.size;
  const inbound = inboundEnvelope(input);
  const outcome = await agent.pipeline(options).process(inbound);
  if (outcome.status !== 'rejected') {
    throw new Error(`expected a rejection with ${code}, got ${outcome.status}`);
  }
  expect(outcome.error.code, outcome.error.message).toBe(code);
  expect((await agent.inbox.list()).length).toBe(inboxBefore);
  expect(agent.replay.size).toBe(replayBefore);
  const quarantined = (await agent.quarantine.list()).find((record) => record.id === outcome.quarantineId);
  expect(quarantined?.code).toBe(code);
  expect(inbound.commits).toBe(1);
  return outcome;
}

export async function expectAccepted(
  agent: TestAgent,
  input: Envelope | Uint8Array | string,
  options: Partial<ReceivePipelineOptions> = {},
): Promise<Extract<ReceiveOutcome, { status: 'accepted' }>> {
  const inbound = inboundEnvelope(input);
  const outcome = await agent.pipeline(options).process(inbound);
  if (outcome.status !== 'accepted') {
    throw new Error(`expected acceptance, got ${outcome.status}: ${outcome.status === 'rejected' ? outcome.error.message : ''}`);
  }
  const stored = (await agent.inbox.list()).map((entry) => entry.message.envelopeId);
  expect(stored).toContain(outcome.message.envelopeId);
  expect(inbound.commits).toBe(1);
  return outcome;
}
