/** Configured transports: `transports/<name>.yml`, loaded by the host by package name. */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { TRANSPORT_NAME_PATTERN } from '../envelope/schema.js';
import { ConfigError, ErrorCode, SkcommError } from '../errors.js';
import { storageErrorOf, syncDirectory } from './fs-atomic.js';
import { readYamlFile, validateWith, writeYamlFile } from './yaml-file.js';

/** `file` -> `@skcomm/transport-file`. */
export function defaultTransportPackage(name: string): string {
  return `@skcomm/transport-${name}`;
}

const transportName = v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'));

export const transportConfigSchema = v.strictObject({
  name: transportName,
  package: v.pipe(v.string(), v.minLength(1), v.maxLength(214), v.regex(/^[^\s]+$/, 'must be a package name or path')),
  /** Absent: the transport package's own default applies (each package declares one). */
  priority: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000))),
  enabled: v.boolean(),
  options: v.record(
    v.pipe(v.string(), v.regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/, 'must be an option name')),
    v.union([v.string(), v.number(), v.boolean()]),
  ),
});

export type TransportConfig = v.InferOutput<typeof transportConfigSchema>;

export interface AddTransportInput {
  name: string;
  /** Default `@skcomm/transport-<name>`. */
  package?: string;
  /** Lower is tried first. Default: none stored, so the transport package's own default applies. */
  priority?: number;
  /** Default true. */
  enabled?: boolean;
  options?: Record<string, string | number | boolean>;
}

export class TransportConfigStore {
  constructor(readonly directory: string) {}

  /** Validates and fills in defaults without writing, so a host can try loading it first. */
  prepare(input: AddTransportInput): TransportConfig {
    const name = validateWith(transportName, input.name, 'transport name');
    return validateWith(
      transportConfigSchema,
      {
        name,
        package: input.package ?? defaultTransportPackage(name),
        ...(input.priority === undefined ? {} : { priority: input.priority }),
        enabled: input.enabled ?? true,
        options: input.options ?? {},
      },
      `transport ${name}`,
    );
  }

  async add(input: AddTransportInput): Promise<TransportConfig> {
    const record = this.prepare(input);
    const { name } = record;
    try {
      await writeYamlFile(this.pathOf(name), record, { exclusive: true });
    } catch (cause) {
      if (SkcommError.hasCode(cause, ErrorCode.AlreadyExists)) {
        throw new ConfigError(ErrorCode.AlreadyExists, `a transport named "${name}" already exists`, { cause, field: 'name' });
      }
      throw cause;
    }
    return record;
  }

  /** All transports, by stored priority (those left to their package's default last), then name. */
  async list(): Promise<TransportConfig[]> {
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (cause) {
      throw storageErrorOf(cause, `cannot list ${this.directory}`);
    }
    const names = entries.filter((entry) => entry.endsWith('.yml')).map((entry) => entry.slice(0, -4));
    const records: TransportConfig[] = [];
    for (const name of names.filter((candidate) => TRANSPORT_NAME_PATTERN.test(candidate))) {
      const record = await this.get(name);
      if (record !== undefined) records.push(record);
    }
    const sortKey = (record: TransportConfig) => record.priority ?? Number.POSITIVE_INFINITY;
    return records.sort((a, b) => sortKey(a) - sortKey(b) || a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<TransportConfig | undefined> {
    if (!TRANSPORT_NAME_PATTERN.test(name)) return undefined;
    const path = this.pathOf(name);
    try {
      const record = await readYamlFile(path, transportConfigSchema);
      if (record.name !== name) {
        throw new ConfigError(ErrorCode.ConfigInvalid, `${path}: key name: "${record.name}" does not match the file name`, { field: 'name' });
      }
      return record;
    } catch (cause) {
      if (SkcommError.hasCode(cause, ErrorCode.NotFound)) return undefined;
      throw cause;
    }
  }

  async remove(name: string): Promise<void> {
    if ((await this.get(name)) === undefined) {
      throw new ConfigError(ErrorCode.NotFound, `no transport named "${name}"`, { field: 'name' });
    }
    try {
      await unlink(this.pathOf(name));
      await syncDirectory(this.directory);
    } catch (cause) {
      throw storageErrorOf(cause, `cannot remove transport ${name}`);
    }
  }

  private pathOf(name: string): string {
    return join(this.directory, `${name}.yml`);
  }
}
