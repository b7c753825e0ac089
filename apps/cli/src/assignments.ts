/** Parses repeatable KEY=VALUE flags (`--set root=/x`, `--address tcp=127.0.0.1:9999`). */
import { UsageError } from './run.js';

export function parseAssignments(items: string[], flag: string): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const item of items) {
    const index = item.indexOf('=');
    if (index <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got "${item}"`);
    const key = item.slice(0, index).trim();
    if (!/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(key)) throw new UsageError(`${flag}: "${key}" is not a valid key`);
    result[key] = coerce(item.slice(index + 1));
  }
  return result;
}

function coerce(value: string): string | number | boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(value) && value.length < 16) return Number(value);
  return value;
}
