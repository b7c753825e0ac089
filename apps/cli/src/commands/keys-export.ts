import type { CliContext } from '../context.js';

export default async function keysExport(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const armored = agent.publicKey.armored;
  context.print({ ok: true, name: agent.name, fingerprint: agent.fingerprint, public_key: armored }, armored);
}
