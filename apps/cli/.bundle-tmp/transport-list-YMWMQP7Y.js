import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  table
} from "./chunk-34WUPVIN.js";
import "./chunk-N43RZNLB.js";

// dist/commands/transport-list.js
async function transportList(context) {
  const agent = await context.agent();
  const transports = await agent.transportConfigs.list();
  context.print({ ok: true, transports }, () => transports.length === 0 ? "No transports yet. Add one with: skcomm transport add file --set root=/shared/folder" : table(["NAME", "PRIORITY", "PACKAGE", "OPTIONS"], transports.map((entry) => [
    entry.name,
    // Absent: the package's own default, known only once the package is loaded (too costly for a listing).
    entry.priority === void 0 ? "default" : String(entry.priority),
    entry.package,
    Object.entries(entry.options).map(([key, value]) => `${key}=${value}`).join(" ")
  ])));
}
export {
  transportList as default
};
