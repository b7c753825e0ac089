import type { CliContext } from '../context.js';
import { table } from '../table.js';

export default async function status(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const transports = await agent.status();
  const outbox = await agent.outbox();
  const depth = outbox.depthByState();
  const files = await agent.fileTransfers();
  const fileCounts = { queued: files.filter((file) => file.state === 'queued').length, handed_off: files.filter((file) => file.state === 'handed-off').length };
  const json = transports.map((entry) => ({
    name: entry.name,
    package: entry.package,
    priority: entry.priority,
    state: entry.health.status,
    latency_ms: 'latencyMs' in entry.health ? (entry.health.latencyMs ?? null) : null,
    last_error: entry.health.status === 'up' ? null : (entry.health.detail ?? null),
    // What the transport says about itself: relay authenticated, peer device connected, WebRTC links and RTT, ...
    detail: entry.health.detail ?? null,
    checked_at: entry.health.checkedAt.toISOString(),
    consecutive_failures: entry.routing?.consecutive_failures ?? 0,
    cooling_down_until: entry.routing?.cooling_down_until ?? null,
    last_routing_error: entry.routing?.last_error ?? null,
  }));
  const outboxLine = `outbox: ${Object.entries(depth)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ')}${files.length === 0 ? '' : `; file transfers: ${fileCounts.queued} queued, ${fileCounts.handed_off} awaiting ack (skcomm outbox list)`}`;
  context.print({ ok: true, agent: { name: agent.name, fingerprint: agent.fingerprint }, transports: json, outbox: depth, file_transfers: fileCounts }, () =>
    json.length === 0
      ? `${agent.name} (${agent.fingerprint}): no transports configured\n${outboxLine}`
      : `${agent.name} (${agent.fingerprint})\n${table(
          ['TRANSPORT', 'STATE', 'LATENCY', 'DETAIL / LAST ERROR', 'COOLDOWN'],
          json.map((entry) => [
            entry.name,
            entry.state,
            entry.latency_ms === null ? '-' : `${entry.latency_ms} ms`,
            entry.detail ?? (entry.last_routing_error ? `last error: ${entry.last_routing_error.message} (${entry.last_routing_error.at})` : ''),
            entry.cooling_down_until === null ? '' : `until ${entry.cooling_down_until} (${entry.consecutive_failures} failures)`,
          ]),
        )}\n${outboxLine}`,
  );
}
