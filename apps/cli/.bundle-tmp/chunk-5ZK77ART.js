import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  UsageError
} from "./chunk-FNB4SA6O.js";

// dist/assignments.js
function parseAssignments(items, flag) {
  const result = {};
  for (const item of items) {
    const index = item.indexOf("=");
    if (index <= 0)
      throw new UsageError(`${flag} expects KEY=VALUE, got "${item}"`);
    const key = item.slice(0, index).trim();
    if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(key))
      throw new UsageError(`${flag}: "${key}" is not a valid key`);
    result[key] = coerce(item.slice(index + 1));
  }
  return result;
}
function coerce(value) {
  if (value === "true")
    return true;
  if (value === "false")
    return false;
  if (/^-?\d+(\.\d+)?$/.test(value) && value.length < 16)
    return Number(value);
  return value;
}

export {
  parseAssignments
};
