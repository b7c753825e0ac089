import { silentLogger } from '@skcomm/core';
import { memory, MemoryNetwork } from '@skcomm/transport-memory';
import { runScenario } from './src/scenario.js';
const context = (selfFingerprint) => ({ selfFingerprint, logger: silentLogger });
const networks = [1].map((seed) => new MemoryNetwork({ seed: 70 + seed }));
const t0 = performance.now();
const result = await runScenario({
  name: 'R7', count: 100, mode: 'broadcast',
  transports: ({ sender, receiver }) => ({
    sender: networks.map((network, index) => memory({ network, name: `m${index + 1}`, priority: index + 1 })(context(sender))),
    receiver: networks.map((network, index) => memory({ network, name: `m${index + 1}`, priority: index + 1 })(context(receiver))),
  }),
});
console.log(result.verdict.ok, result.averageRounds, performance.now() - t0);
