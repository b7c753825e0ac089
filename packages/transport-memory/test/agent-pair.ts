/**
 * Alice and Bob for the agent-level file tests: two real agent homes, each an Agent over
 * one memory network whose attachment spool lives in a scratch folder. `restart` is a
 * crash as the tests need it: the agent is gone without a goodbye and a new one opens
 * the same home. `cleanup` closes and removes everything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@skcomm/core';
import { afterEach } from 'vitest';
import { Agent } from '@skcomm/core/agent';
import { readConfig, writeConfig } from '@skcomm/core/store';
import { makeTestAgents, type TestAgent, type TestAgents } from '@skcomm/core/testing';
import { memory, MemoryNetwork, type MemoryTransport } from '../src/index.js';

export interface Side {
  test: TestAgent;
  agent: Agent;
  transport: MemoryTransport;
}

export interface AgentPairOptions {
  /** The memory network's fault seed. */
  seed: number;
  logger: Logger;
  /** The agents' retry_schedule_seconds; the homes' default when absent. */
  retrySeconds?: number[];
}

export class AgentPair {
  private sides: Side[] = [];

  private constructor(
    private readonly agents: TestAgents<'alice' | 'bob'>,
    readonly scratch: string,
    readonly network: MemoryNetwork,
    private readonly logger: Logger,
  ) {}

  static async open(options: AgentPairOptions): Promise<{ pair: AgentPair; network: MemoryNetwork; alice: Side; bob: Side }> {
    const agents = await makeTestAgents(['alice', 'bob']);
    const scratch = await mkdtemp(join(tmpdir(), 'skcomm-agent-pair-'));
    const network = new MemoryNetwork({ seed: options.seed, spoolDir: join(scratch, 'spool') });
    if (options.retrySeconds !== undefined) {
      for (const test of [agents.alice, agents.bob]) {
        await writeConfig(test.home, { ...(await readConfig(test.home)), retry_schedule_seconds: options.retrySeconds });
      }
    }
    const pair = new AgentPair(agents, scratch, network, options.logger);
    return { pair, network, alice: await pair.openSide(agents.alice), bob: await pair.openSide(agents.bob) };
  }

  async openSide(test: TestAgent): Promise<Side> {
    const transport = memory({ network: this.network })({ selfFingerprint: test.identity.fingerprint, logger: this.logger });
    const agent = await Agent.open({ home: test.home, passphrase: async () => test.passphrase, logger: this.logger, transports: [transport] });
    await agent.activeTransports();
    const side = { test, agent, transport };
    this.sides.push(side);
    return side;
  }

  async restart(side: Side): Promise<Side> {
    await side.agent.close();
    await side.transport.stop();
    this.sides = this.sides.filter((candidate) => candidate !== side);
    return this.openSide(side.test);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.sides.map((side) => side.agent.close()));
    this.sides = [];
    await this.agents.cleanup();
    await rm(this.scratch, { recursive: true, force: true });
  }
}

/**
 * For a test file: `setUp()` opens a fresh pair for the current test, which is cleaned up
 * after it; `restart` and `scratch` act on that pair.
 */
export function agentPairPerTest(options: AgentPairOptions) {
  let pair: AgentPair | undefined;
  afterEach(async () => {
    await pair?.cleanup();
    pair = undefined;
  });
  const current = (): AgentPair => {
    if (pair === undefined) throw new Error('setUp() first');
    return pair;
  };
  return {
    async setUp() {
      const opened = await AgentPair.open(options);
      pair = opened.pair;
      return opened;
    },
    restart: (side: Side): Promise<Side> => current().restart(side),
    scratch: (): string => current().scratch,
  };
}
