/**
 * Turns raw config (YAML values, or strings from `--set KEY=VALUE`) into validated
 * options, and validation failures into a ConfigError naming the key.
 */
import * as v from 'valibot';
import { ConfigError, ErrorCode } from '@skcomm/core';

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

export function parseConfig<TSchema extends v.GenericSchema>(transportId: string, schema: TSchema, raw: unknown): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? '(options)';
  let message = issue.message;
  if (issue.type === 'strict_object') message = issue.expected === 'never' ? 'is not an option of this transport' : 'is required';
  throw new ConfigError(ErrorCode.ConfigInvalid, `transport "${transportId}": ${field} ${message}`, { field });
}
