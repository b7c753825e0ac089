import type { CliContext } from '../context.js';

export default async function peerRemove(context: CliContext, name: string): Promise<void> {
  const agent = await context.agent();
  await agent.peers.remove(name);
  context.print({ ok: true, removed: name }, `Removed peer ${name}`);
}
