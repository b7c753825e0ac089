import type { TrustLevel } from '@skcomm/core';
import { readPublicKey } from '@skcomm/core/crypto';
import type { CliContext } from '../context.js';
import { readInput } from '../input.js';
import { UsageError } from '../run.js';

export default async function keysImport(context: CliContext, file: string, options: { name?: string; trust?: TrustLevel }): Promise<void> {
  const armored = await readInput(file);
  const name = options.name ?? nameFromUserId((await readPublicKey(armored)).userIds[0]);
  const agent = await context.agent();
  const peer = await agent.peers.add({ name, armoredPublicKey: armored, ...(options.trust ? { trust: options.trust } : {}) });
  context.print({ ok: true, peer }, `Imported ${peer.name} (${peer.fingerprint}), trust ${peer.trust}`);
}

/** "Lumina <lumina@example.org>" -> "Lumina", made safe for a file name. */
function nameFromUserId(userId: string | undefined): string {
  const name = (userId ?? '').replace(/<[^>]*>/, '').trim().replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^[-._]+/, '');
  if (name.length === 0) throw new UsageError('the key has no usable name in its user id; pass --name NAME');
  return name.slice(0, 64);
}
