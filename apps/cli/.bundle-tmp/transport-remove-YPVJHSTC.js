import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/commands/transport-remove.js
async function transportRemove(context, name) {
  const agent = await context.agent();
  await agent.transportConfigs.remove(name);
  context.print({ ok: true, removed: name }, `Removed transport ${name}`);
}
export {
  transportRemove as default
};
