import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/commands/keys-revoke.js
async function keysRevoke(context, name) {
  const agent = await context.agent();
  const peer = await agent.peers.revoke(name);
  context.print({ ok: true, peer }, `${peer.name} (${peer.fingerprint}) is revoked: its envelopes are rejected from now on`);
}
export {
  keysRevoke as default
};
