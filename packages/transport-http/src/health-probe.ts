/** GET <endpoint>/health on each endpoint this agent depends on (probe URLs, the polled mailbox). */
import { performance } from 'node:perf_hooks';
import { endpointUrl } from './address.js';
import type { HttpClient } from './http-client.js';

const PROBE_TIMEOUT_MS = 5_000;

export interface ProbeResult {
  endpoint: string;
  problem?: string;
  latencyMs: number;
}

export async function probeEndpoint(client: HttpClient, endpoint: URL, timeoutMs: number): Promise<ProbeResult> {
  const startedAt = performance.now();
  const url = endpointUrl(endpoint, '/health');
  const latency = () => Math.round((performance.now() - startedAt) * 100) / 100;
  try {
    const response = await client.exchange({ method: 'GET', url, timeoutMs: Math.min(timeoutMs, PROBE_TIMEOUT_MS), maxResponseBytes: 4096 });
    if (response.status === 200) return { endpoint: endpoint.href, latencyMs: latency() };
    return { endpoint: endpoint.href, problem: `${url.href} answered ${response.status}`, latencyMs: latency() };
  } catch (error) {
    return { endpoint: endpoint.href, problem: `${url.href} unreachable: ${error instanceof Error ? error.message : String(error)}`, latencyMs: latency() };
  }
}
