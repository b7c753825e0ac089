import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/commands/keys-export.js
async function keysExport(context) {
  const agent = await context.agent();
  const armored = agent.publicKey.armored;
  context.print({ ok: true, name: agent.name, fingerprint: agent.fingerprint, public_key: armored }, armored);
}
export {
  keysExport as default
};
