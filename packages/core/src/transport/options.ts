/**
 * Shared by the transport packages: turns a transport's raw config (YAML values, or strings
 * from `--set KEY=VALUE`) into validated options, and validation failures into a ConfigError
 * naming the key.
 */
import * as v from 'valibot';
import { ConfigError, ErrorCode } from '../errors.js';

const numericString = /^-?\d+(?:\.\d+)?$/;

/** A number, also given as a numeric string. */
export function numberOption(min: number, max: number, integer = true) {
  return v.pipe(
    v.unknown(),
    v.transform((value) => (typeof value === 'string' && numericString.test(value.trim()) ? Number(value) : value)),
    v.number('must be a number'),
    v.check((value) => !integer || Number.isInteger(value), 'must be a whole number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
}

const booleanWords: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** A boolean, also given as true/false, yes/no, on/off or 1/0. */
export function booleanOption() {
  return v.pipe(
    v.unknown(),
    v.transform((value) => (typeof value === 'string' ? (booleanWords[value.trim().toLowerCase()] ?? value) : value)),
    v.boolean('must be true or false'),
  );
}

/**
 * Validates `raw` against `schema`. `renamedKeys` maps keys the transport no longer takes to
 * their new names, so a stale config gets told which key to write instead (never silently aliased).
 */
export function parseTransportConfig<TSchema extends v.GenericSchema>(
  transportId: string,
  schema: TSchema,
  raw: unknown,
  renamedKeys: Readonly<Record<string, string>> = {},
): v.InferOutput<TSchema> {
  if (typeof raw === 'object' && raw !== null) {
    const renamed = Object.keys(raw).find((key) => Object.hasOwn(renamedKeys, key));
    if (renamed !== undefined) {
      throw new ConfigError(ErrorCode.ConfigInvalid, `transport "${transportId}": ${renamed} was renamed: use ${renamedKeys[renamed]} instead`, {
        field: renamed,
      });
    }
  }
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? '(options)';
  let message = issue.message;
  if (issue.type === 'strict_object') message = issue.expected === 'never' ? 'is not an option of this transport' : 'is required';
  throw new ConfigError(ErrorCode.ConfigInvalid, `transport "${transportId}": ${field} ${message}`, { field });
}
