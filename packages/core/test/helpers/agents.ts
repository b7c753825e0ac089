/** Two Agents (real homes, real stores) over a loopback network, with a fast retry schedule. */
import { Agent } from '../../src/agent/index.js';
import { readConfig, writeConfig } from '../../src/store/index.js';
import { makeTestAgents, type TestAgent } from '../../src/testing/index.js';
import { silentLogger } from '../../src/transport/contract.js';
import { type LoopbackEndpoint, LoopbackNetwork } from './loopback.js';

export interface AgentPair {
  network: LoopbackNetwork;
  alice: Agent;
  bob: Agent;
  aliceTransport: LoopbackEndpoint;
  bobTransport: LoopbackEndpoint;
  testAgents: { alice: TestAgent; bob: TestAgent };
  cleanup(): Promise<void>;
}

export async function agentPair(options: { retrySeconds?: number[]; maxRetries?: number } = {}): Promise<AgentPair> {
  const agents = await makeTestAgents(['alice', 'bob']);
  const network = new LoopbackNetwork();
  for (const agent of [agents.alice, agents.bob]) {
    const config = await readConfig(agent.home);
    await writeConfig(agent.home, { ...config, retry_schedule_seconds: options.retrySeconds ?? [0.05], cooldown_after_failures: 1000 });
  }
  const aliceTransport = network.endpoint('loop', agents.alice.identity.fingerprint);
  const bobTransport = network.endpoint('loop', agents.bob.identity.fingerprint);
  const open = (agent: TestAgent, transport: LoopbackEndpoint) =>
    Agent.open({ home: agent.home, passphrase: async () => agent.passphrase, logger: silentLogger, transports: [transport] });
  const [alice, bob] = await Promise.all([open(agents.alice, aliceTransport), open(agents.bob, bobTransport)]);
  return {
    network,
    alice,
    bob,
    aliceTransport,
    bobTransport,
    testAgents: { alice: agents.alice, bob: agents.bob },
    async cleanup() {
      await Promise.all([alice.close(), bob.close()]);
      await agents.cleanup();
    },
  };
}
