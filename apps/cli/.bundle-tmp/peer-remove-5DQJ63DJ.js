import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/commands/peer-remove.js
async function peerRemove(context, name) {
  const agent = await context.agent();
  await agent.peers.remove(name);
  context.print({ ok: true, removed: name }, `Removed peer ${name}`);
}
export {
  peerRemove as default
};
