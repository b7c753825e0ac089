import type { CliContext } from '../context.js';

export default async function transportRemove(context: CliContext, name: string): Promise<void> {
  const agent = await context.agent();
  await agent.transportConfigs.remove(name);
  context.print({ ok: true, removed: name }, `Removed transport ${name}`);
}
