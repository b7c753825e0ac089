import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  readInput
} from "./chunk-2L5P24RB.js";
import {
  UsageError
} from "./chunk-FNB4SA6O.js";
import {
  readPublicKey
} from "./chunk-GFALYBZX.js";
import "./chunk-N43RZNLB.js";

// dist/commands/keys-import.js
async function keysImport(context, file, options) {
  const armored = await readInput(file);
  const name = options.name ?? nameFromUserId((await readPublicKey(armored)).userIds[0]);
  const agent = await context.agent();
  const peer = await agent.peers.add({ name, armoredPublicKey: armored, ...options.trust ? { trust: options.trust } : {} });
  context.print({ ok: true, peer }, `Imported ${peer.name} (${peer.fingerprint}), trust ${peer.trust}`);
}
function nameFromUserId(userId) {
  const name = (userId ?? "").replace(/<[^>]*>/, "").trim().replace(/[^a-zA-Z0-9._-]+/g, "-").replace(/^[-._]+/, "");
  if (name.length === 0)
    throw new UsageError("the key has no usable name in its user id; pass --name NAME");
  return name.slice(0, 64);
}
export {
  keysImport as default
};
