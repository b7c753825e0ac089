/**
 * Tiny ESM transport plugin packages, written to a temp dir at test time, so the
 * loader is tested against real package folders and real `import()`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FixturePlugin {
  /** Folder to create the package in. */
  directory: string;
  packageName: string;
  id: string;
  specificationVersion?: string;
  /** How the plugin is exported. 'none' exports something that is not a plugin. */
  exportStyle?: 'default' | 'plugin' | 'none';
  /** 'exports' (default): `exports: { ".": { types, import } }` like our packages; 'main': legacy main only. */
  entryStyle?: 'exports' | 'main';
}

/** Every fixture module appends its package name here when it is imported. */
export const IMPORT_LOG_KEY = '__skcommFixtureImports';

export function importLog(): string[] {
  const log = (globalThis as Record<string, unknown>)[IMPORT_LOG_KEY];
  return Array.isArray(log) ? (log as string[]) : [];
}

export function writeFixturePlugin(fixture: FixturePlugin): void {
  mkdirSync(fixture.directory, { recursive: true });
  const manifest =
    fixture.entryStyle === 'main'
      ? { name: fixture.packageName, version: '1.0.0', type: 'module', main: 'lib/entry.js' }
      : {
          name: fixture.packageName,
          version: '1.0.0',
          type: 'module',
          exports: { '.': { types: './index.d.ts', import: './lib/entry.js' } },
        };
  writeFileSync(join(fixture.directory, 'package.json'), JSON.stringify(manifest, null, 2));
  mkdirSync(join(fixture.directory, 'lib'), { recursive: true });
  writeFileSync(join(fixture.directory, 'lib', 'entry.js'), pluginSource(fixture));
}

function pluginSource(fixture: FixturePlugin): string {
  const exportLine = {
    default: 'export default plugin;',
    plugin: 'export { plugin };',
    none: 'export default { hello: "not a plugin" };',
  }[fixture.exportStyle ?? 'default'];
  return `
globalThis.${IMPORT_LOG_KEY} ??= [];
globalThis.${IMPORT_LOG_KEY}.push(${JSON.stringify(fixture.packageName)});

/** Looks like a SkcommError from a second copy of @skcomm/core (SkcommError.is matches it). */
function configError(message, field) {
  return Object.assign(new Error(message), { code: 'E_CONFIG_INVALID', field, [Symbol.for('skcomm.error')]: true });
}

const plugin = {
  specificationVersion: ${JSON.stringify(fixture.specificationVersion ?? 'skcomm-transport/1')},
  id: ${JSON.stringify(fixture.id)},
  parseOptions(raw) {
    if (raw.greeting !== undefined && typeof raw.greeting !== 'string') throw configError('greeting must be a string', 'greeting');
    if (raw.explode) throw new Error('parser exploded');
    return { greeting: raw.greeting ?? 'hello', renameTo: raw.renameTo, failCreate: raw.failCreate === true };
  },
  create(options, context) {
    if (options.failCreate) throw new Error('cannot open the mailbox');
    const sent = [];
    return {
      specificationVersion: 'skcomm-transport/1',
      name: options.renameTo ?? options.name,
      priority: options.priority ?? 50,
      traits: {
        delivery: 'store-and-forward', expectedLatencyMs: 1, maxEnvelopeBytes: 1048576, stealth: 'low',
        metadataExposure: 'fixture', duplex: true, hopAck: false,
      },
      createdWith: { options, context },
      sent,
      async start() {},
      async stop() {},
      async isAvailable() { return true; },
      async send(bytes, target) {
        sent.push({ bytes, target });
        return { transport: options.name, detail: ${JSON.stringify(fixture.id)} + ':' + options.greeting };
      },
      async receive() { return []; },
      async healthCheck() { return { status: 'up', checkedAt: new Date() }; },
    };
  },
};
${exportLine}
`;
}
