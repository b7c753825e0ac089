/** config.yml: who this agent is and its defaults. */
import * as v from 'valibot';
import { DEFAULT_MAX_ENVELOPE_BYTES, FINGERPRINT_PATTERN } from '../envelope/schema.js';
import { ErrorCode, StorageError } from '../errors.js';
import { homeLayout } from './layout.js';
import { readYamlFile, validateWith, writeYamlFile } from './yaml-file.js';

/** Smallest configurable envelope limit: below it not even a signed heartbeat fits. */
export const MIN_MAX_ENVELOPE_BYTES = 4 * 1024;

export const configSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters')),
  email: v.optional(v.pipe(v.string(), v.email())),
  fingerprint: v.pipe(v.string(), v.regex(FINGERPRINT_PATTERN, 'must be a full uppercase hex fingerprint')),
  default_mode: v.optional(v.picklist(['secured', 'open']), 'secured'),
  max_envelope_bytes: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(MIN_MAX_ENVELOPE_BYTES), v.maxValue(DEFAULT_MAX_ENVELOPE_BYTES)),
    DEFAULT_MAX_ENVELOPE_BYTES,
  ),
  /** Outbox backoff: wait before each retry round after no transport took a message (the last value repeats). */
  retry_schedule_seconds: v.optional(
    v.pipe(v.array(v.pipe(v.number(), v.minValue(0.001), v.maxValue(86_400))), v.minLength(1), v.maxLength(32)),
    () => [...DEFAULT_RETRY_SCHEDULE_SECONDS],
  ),
  /** A transport that failed this many times in a row cools down (is skipped) for a while. */
  cooldown_after_failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 3),
  /** First cooldown; it doubles on each failed probe, up to 32 times this. */
  cooldown_seconds: v.optional(v.pipe(v.number(), v.minValue(0.001), v.maxValue(86_400)), 30),
});

/** DESIGN §4: 5 s, 15 s, 60 s, 300 s, 900 s, with jitter. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [5, 15, 60, 300, 900];

export type SkcommConfig = v.InferOutput<typeof configSchema>;
/** What callers write: the defaulted keys may be left out. */
export type SkcommConfigInput = v.InferInput<typeof configSchema>;

export function parseConfig(value: unknown, what = 'config.yml'): SkcommConfig {
  return validateWith(configSchema, value, what);
}

export async function readConfig(home: string): Promise<SkcommConfig> {
  const path = homeLayout(home).configFile;
  try {
    return await readYamlFile(path, configSchema);
  } catch (cause) {
    if (StorageError.hasCode(cause, ErrorCode.NotFound)) {
      throw new StorageError(ErrorCode.NotFound, `${path} does not exist; run skcomm init`, { cause });
    }
    throw cause;
  }
}

export async function writeConfig(home: string, config: SkcommConfigInput): Promise<SkcommConfig> {
  const path = homeLayout(home).configFile;
  const parsed = parseConfig(config, path);
  await writeYamlFile(path, parsed);
  return parsed;
}
