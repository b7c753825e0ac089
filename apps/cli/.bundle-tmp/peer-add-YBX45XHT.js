import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  readInput
} from "./chunk-2L5P24RB.js";
import {
  parseAssignments
} from "./chunk-5ZK77ART.js";
import "./chunk-FNB4SA6O.js";
import "./chunk-N43RZNLB.js";

// dist/commands/peer-add.js
async function peerAdd(context, options) {
  const armored = await readInput(options.pubkey);
  const addresses = Object.fromEntries(Object.entries(parseAssignments(options.address ?? [], "--address")).map(([key, value]) => [key, String(value)]));
  const agent = await context.agent();
  const peer = await agent.peers.add({
    name: options.name,
    armoredPublicKey: armored,
    addresses,
    ...options.trust ? { trust: options.trust } : {}
  });
  context.print({ ok: true, peer }, `Added peer ${peer.name} (${peer.fingerprint}), trust ${peer.trust}`);
}
export {
  peerAdd as default
};
