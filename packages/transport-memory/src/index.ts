/**
 * @skcomm/transport-memory: the reference transport. An in-process MemoryNetwork routes
 * envelope bytes by recipient fingerprint, with seeded, run-time switchable faults.
 *
 *   const network = new MemoryNetwork({ seed: 42 });
 *   const transport = memory({ network })({ selfFingerprint, logger });
 *   network.faults.set({ dropRate: 0.1, latencyMs: 5 });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { MEMORY_TRANSPORT_ID, parseMemoryOptions, type MemoryTransportOptions } from './config.js';
import { MemoryNetwork } from './memory-network.js';
import { MemoryTransport } from './memory-transport.js';

export { configSchema, DEFAULT_NETWORK_NAME, MEMORY_TRANSPORT_ID, type MemoryTransportOptions } from './config.js';
export { MemoryTransportError } from './errors.js';
export { FaultController, NO_FAULTS, type DeliveryPlan, type FaultSettings, type FlappingSettings, type PhaseLength } from './fault-controller.js';
export { MemoryNetwork, type MemoryNetworkInit } from './memory-network.js';
export { DEFAULT_PRIORITY, MemoryTransport } from './memory-transport.js';

/** Programmatic init: like the config, but `network` may also be a MemoryNetwork instance. */
export type MemoryTransportInit = Partial<Omit<MemoryTransportOptions, 'network'>> & { network?: MemoryNetwork | string };

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function memory(init: MemoryTransportInit = {}): (context: TransportContext) => MemoryTransport {
  const { network, ...rest } = init;
  const options = parseMemoryOptions(typeof network === 'string' ? { ...rest, network } : rest);
  const resolved = network instanceof MemoryNetwork ? network : MemoryNetwork.named(options.network);
  return (context) => new MemoryTransport({ ...options, network: resolved }, context);
}

export const plugin: TransportPlugin<MemoryTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: MEMORY_TRANSPORT_ID,
  parseOptions: parseMemoryOptions,
  create: (options, context) => new MemoryTransport({ ...options, network: MemoryNetwork.named(options.network) }, context),
};

export default plugin;
