import type { CliContext } from '../context.js';
import { parseAssignments } from '../assignments.js';
import { UsageError } from '../run.js';

export default async function transportAdd(
  context: CliContext,
  name: string,
  options: { package?: string; priority?: string; set?: string[] },
): Promise<void> {
  const priority = options.priority === undefined ? undefined : Number(options.priority);
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 0)) {
    throw new UsageError(`--priority must be a non-negative integer, got "${options.priority}"`);
  }
  const agent = await context.agent();
  const record = await agent.addTransport({
    name,
    ...(options.package ? { package: options.package } : {}),
    ...(priority === undefined ? {} : { priority }),
    options: parseAssignments(options.set ?? [], '--set'),
  });
  const priorityText = record.priority === undefined ? "the package's default priority" : `priority ${record.priority}`;
  context.print({ ok: true, transport: record }, `Added transport ${record.name} (${record.package}), ${priorityText}`);
}
