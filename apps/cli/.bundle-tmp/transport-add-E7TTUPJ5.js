import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  parseAssignments
} from "./chunk-5ZK77ART.js";
import {
  UsageError
} from "./chunk-FNB4SA6O.js";
import "./chunk-N43RZNLB.js";

// dist/commands/transport-add.js
async function transportAdd(context, name, options) {
  const priority = options.priority === void 0 ? void 0 : Number(options.priority);
  if (priority !== void 0 && (!Number.isInteger(priority) || priority < 0)) {
    throw new UsageError(`--priority must be a non-negative integer, got "${options.priority}"`);
  }
  const agent = await context.agent();
  const record = await agent.addTransport({
    name,
    ...options.package ? { package: options.package } : {},
    ...priority === void 0 ? {} : { priority },
    options: parseAssignments(options.set ?? [], "--set")
  });
  const priorityText = record.priority === void 0 ? "the package's default priority" : `priority ${record.priority}`;
  context.print({ ok: true, transport: record }, `Added transport ${record.name} (${record.package}), ${priorityText}`);
}
export {
  transportAdd as default
};
