import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/commands/keys-trust.js
async function keysTrust(context, name, options) {
  const agent = await context.agent();
  const peer = await agent.peers.setTrust(name, options.level);
  context.print({ ok: true, peer }, `${peer.name} is now ${peer.trust}`);
}
export {
  keysTrust as default
};
