import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  table
} from "./chunk-34WUPVIN.js";
import "./chunk-N43RZNLB.js";

// dist/commands/peer-list.js
async function peerList(context) {
  const agent = await context.agent();
  const peers = await agent.peers.list();
  context.print({ ok: true, peers }, () => peers.length === 0 ? "No peers yet. Add one with: skcomm peer add --name NAME --pubkey FILE" : table(["NAME", "FINGERPRINT", "TRUST", "ADDRESSES"], peers.map((peer) => [
    peer.name,
    peer.fingerprint,
    peer.revoked ? "REVOKED" : peer.trust,
    Object.entries(peer.addresses).map(([transport, value]) => `${transport}=${value}`).join(" ")
  ])));
}
export {
  peerList as default
};
