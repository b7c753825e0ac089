/** YAML files of the home directory: strict reading through a valibot schema, atomic writing. */
import * as v from 'valibot';
import YAML from 'yaml';
import { ConfigError, ErrorCode } from '../errors.js';
import { readRegularFile, writeFileAtomic } from './fs-atomic.js';

/** Largest YAML file read: peers and configs are small; this bounds a hostile file. */
const MAX_YAML_BYTES = 256 * 1024;

export async function readYamlFile<TSchema extends v.GenericSchema>(path: string, schema: TSchema): Promise<v.InferOutput<TSchema>> {
  const bytes = await readRegularFile(path, MAX_YAML_BYTES);
  let value: unknown;
  try {
    value = YAML.parse(bytes.toString('utf8'), { uniqueKeys: true, maxAliasCount: 16 });
  } catch (cause) {
    const detail = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
    throw new ConfigError(ErrorCode.ConfigInvalid, `${path}: not valid YAML: ${detail}`, { cause, field: '(yaml)' });
  }
  return validateWith(schema, value, path);
}

export async function writeYamlFile(path: string, value: unknown, options: { exclusive?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, YAML.stringify(value, { lineWidth: 0 }), { mode: 0o600, exclusive: options.exclusive ?? false });
}

/** Validates `value`; a failure is a ConfigError naming the offending key. */
export function validateWith<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, what: string): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? '(root)';
  throw new ConfigError(ErrorCode.ConfigInvalid, `${what}: key ${field}: ${issue.message}`, { field });
}
