import type { TrustLevel } from '@skcomm/core';
import type { CliContext } from '../context.js';
import { readInput } from '../input.js';
import { parseAssignments } from '../assignments.js';

export default async function peerAdd(
  context: CliContext,
  options: { name: string; pubkey: string; trust?: TrustLevel; address?: string[] },
): Promise<void> {
  const armored = await readInput(options.pubkey);
  const addresses = Object.fromEntries(
    Object.entries(parseAssignments(options.address ?? [], '--address')).map(([key, value]) => [key, String(value)]),
  );
  const agent = await context.agent();
  const peer = await agent.peers.add({
    name: options.name,
    armoredPublicKey: armored,
    addresses,
    ...(options.trust ? { trust: options.trust } : {}),
  });
  context.print({ ok: true, peer }, `Added peer ${peer.name} (${peer.fingerprint}), trust ${peer.trust}`);
}
