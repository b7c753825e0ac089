import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  table
} from "./chunk-34WUPVIN.js";
import "./chunk-N43RZNLB.js";

// dist/commands/keys-list.js
async function keysList(context) {
  const agent = await context.agent();
  const peers = await agent.peers.list();
  const rows = [
    { name: agent.name, fingerprint: agent.fingerprint, trust: "self", revoked: false },
    ...peers.map((peer) => ({ name: peer.name, fingerprint: peer.fingerprint, trust: peer.trust, revoked: peer.revoked }))
  ];
  context.print({ ok: true, keys: rows }, () => table(["NAME", "FINGERPRINT", "TRUST"], rows.map((row) => [row.name, row.fingerprint, row.revoked ? "REVOKED" : row.trust])));
}
export {
  keysList as default
};
