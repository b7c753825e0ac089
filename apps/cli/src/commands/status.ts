import type { CliContext } from '../context.js';
import { table } from '../table.js';

export default async function status(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const transports = await agent.status();
  const json = transports.map((entry) => ({
    name: entry.name,
    package: entry.package,
    priority: entry.priority,
    state: entry.health.status,
    latency_ms: 'latencyMs' in entry.health ? (entry.health.latencyMs ?? null) : null,
    last_error: entry.health.status === 'up' ? null : (entry.health.detail ?? null),
    checked_at: entry.health.checkedAt.toISOString(),
  }));
  context.print({ ok: true, agent: { name: agent.name, fingerprint: agent.fingerprint }, transports: json }, () =>
    json.length === 0
      ? `${agent.name} (${agent.fingerprint}): no transports configured`
      : `${agent.name} (${agent.fingerprint})\n${table(
          ['TRANSPORT', 'STATE', 'LATENCY', 'LAST ERROR'],
          json.map((entry) => [entry.name, entry.state, entry.latency_ms === null ? '-' : `${entry.latency_ms} ms`, entry.last_error ?? '']),
        )}`,
  );
}
