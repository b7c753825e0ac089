/**
 * Loading a transport named in config: find its package, import it, check it speaks
 * `skcomm-transport/1`, validate its options and create it. Nothing is imported until
 * asked, so a user installs, and pays for, only the transports they use.
 *
 * Where a package is looked for, first match wins:
 *   1. each plugin dir (e.g. ~/.skcomm/plugins): a folder named like the transport, or
 *      whose package.json name is one of the candidate package names;
 *   2. a module the host bundled into itself (`bundled`, keyed by package name);
 *   3. node_modules as seen from `resolveFrom` (the host application).
 * Candidate names: `config.package` when given; otherwise `@skcomm/transport-<name>`,
 * then `skcomm-transport-<name>` (the third-party convention). A `package` that is an
 * absolute path names a package folder directly (a plugin under development).
 */
import { basename, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, describeError, ErrorCode, SkcommError } from '../errors.js';
import { TRANSPORT_NAME_PATTERN } from '../envelope/schema.js';
import {
  TRANSPORT_SPECIFICATION_VERSION,
  type Transport,
  type TransportCommonOptions,
  type TransportContext,
  type TransportPlugin,
} from '../transport/contract.js';
import { findInstalledPackage, listPluginFolders, type PackageFolder, packageEntry, readPackageFolder } from './resolve-package.js';

export interface TransportLoadConfig {
  /** The configured name: routing lists and reports use it. */
  name: string;
  /** npm package name (default `@skcomm/transport-<name>`), or the absolute path of a package folder. */
  package?: string;
  priority?: number;
  /** Raw options, handed to the plugin's parseOptions. */
  options?: Record<string, unknown>;
}

export interface LoadTransportOptions {
  /** Folders of local plugins, one package per sub-folder. */
  pluginDirs?: readonly string[];
  /** Where packages are resolved from: the host app's file, directory or `import.meta.url`. Default: the working directory. */
  resolveFrom?: string | URL;
  /**
   * Transport packages compiled into the host, by package name: each imports the bundled
   * module. One stands in only for the node_modules copy; an absolute `package` path or a
   * plugin dir still wins, so a user can override a bundled transport without rebuilding.
   */
  bundled?: Readonly<Record<string, () => Promise<unknown>>>;
}

/** npm's rules, which also keep `..`, slashes and absolute paths out of the lookup. */
const PACKAGE_NAME_PATTERN = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

interface LocatedPackage {
  packageName: string;
  origin: 'path' | 'plugin dir' | 'bundled' | 'installed';
  /** Imports the package's root module. */
  importModule: () => Promise<unknown>;
}

export async function loadTransport(
  config: TransportLoadConfig,
  context: TransportContext,
  options: LoadTransportOptions = {},
): Promise<Transport> {
  const candidates = candidatePackageNames(config);
  const located = locatePackage(config, candidates, options);
  const plugin = pickPlugin(await importPackage(config.name, located), config.name, located.packageName);

  let parsed: unknown;
  try {
    parsed = plugin.parseOptions(config.options ?? {});
  } catch (error) {
    // A plugin's own ConfigError names the key; keep its code and field.
    const code = SkcommError.is(error) ? error.code : ErrorCode.ConfigInvalid;
    throw transportError(config.name, code, `invalid options for ${located.packageName}: ${describeError(error)}`, error);
  }
  const common: TransportCommonOptions = config.priority === undefined ? { name: config.name } : { name: config.name, priority: config.priority };
  let transport: Transport;
  try {
    transport = plugin.create({ ...(parsed as object), ...common }, context);
  } catch (error) {
    throw transportError(config.name, ErrorCode.TransportLoad, `${located.packageName} could not create the transport: ${describeError(error)}`, error);
  }
  checkTransport(transport, config.name, located.packageName);
  context.logger.debug('transport loaded', { transport: config.name, package: located.packageName, from: located.origin });
  return transport;
}

/** The package names tried for a config entry, in order. */
export function candidatePackageNames(config: Pick<TransportLoadConfig, 'name' | 'package'>): string[] {
  if (typeof config.name !== 'string' || !TRANSPORT_NAME_PATTERN.test(config.name)) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `transport name "${String(config.name)}" must match ${TRANSPORT_NAME_PATTERN}`, {
      field: 'name',
    });
  }
  if (usesDefaultPackage(config)) return [`@skcomm/transport-${config.name}`, `skcomm-transport-${config.name}`];
  const packageName = config.package as unknown;
  if (typeof packageName === 'string' && isAbsolute(packageName)) return [packageName];
  if (typeof packageName !== 'string' || packageName.length > 214 || !PACKAGE_NAME_PATTERN.test(packageName)) {
    throw new ConfigError(
      ErrorCode.ConfigInvalid,
      `transport "${config.name}": "${String(packageName)}" is neither an npm package name nor an absolute path`,
      { field: 'package' },
    );
  }
  return [packageName];
}

/**
 * Config stores may write the default package name out; it still means "the usual
 * places", so third-party names and plugin folders are looked for too.
 */
function usesDefaultPackage(config: Pick<TransportLoadConfig, 'name' | 'package'>): boolean {
  return config.package === undefined || config.package === `@skcomm/transport-${config.name}`;
}

function locatePackage(config: TransportLoadConfig, candidates: readonly string[], options: LoadTransportOptions): LocatedPackage {
  const resolveFrom = options.resolveFrom ?? process.cwd();
  try {
    if (config.package !== undefined && isAbsolute(config.package)) {
      const folder = readPackageFolder(config.package);
      if (folder !== undefined) return fromFolder(folder.name ?? config.package, folder, 'path');
      throw transportError(config.name, ErrorCode.TransportLoad, `${config.package} holds no package.json`);
    }
    for (const pluginDir of options.pluginDirs ?? []) {
      for (const folder of listPluginFolders(pluginDir)) {
        if (folder.name !== undefined && candidates.includes(folder.name)) {
          return fromFolder(folder.name, folder, 'plugin dir');
        }
        // A folder named after the transport counts unless another package was named explicitly.
        if (usesDefaultPackage(config) && basename(folder.directory) === config.name) {
          return fromFolder(folder.name ?? folder.directory, folder, 'plugin dir');
        }
      }
    }
    const bundled = options.bundled ?? {};
    for (const packageName of candidates) {
      const importModule = Object.hasOwn(bundled, packageName) ? bundled[packageName] : undefined;
      if (importModule !== undefined) return { packageName, origin: 'bundled', importModule };
    }
    for (const packageName of candidates) {
      const folder = findInstalledPackage(packageName, resolveFrom);
      if (folder !== undefined) return fromFolder(packageName, folder, 'installed');
    }
  } catch (error) {
    if (SkcommError.is(error)) throw error;
    throw transportError(config.name, ErrorCode.TransportLoad, `cannot look for its package: ${describeError(error)}`, error);
  }
  const where = options.pluginDirs?.length ? ` or in ${options.pluginDirs.join(', ')}` : '';
  throw transportError(
    config.name,
    ErrorCode.TransportLoad,
    `package ${candidates.join(' / ')} is not installed (looked from ${String(resolveFrom)}${where}); install it with: npm i ${candidates[0]}`,
  );
}

/** The entry is worked out when imported, so a broken package.json is reported as a load failure. */
function fromFolder(packageName: string, folder: PackageFolder, origin: LocatedPackage['origin']): LocatedPackage {
  return { packageName, origin, importModule: () => import(pathToFileURL(packageEntry(folder)).href) };
}

async function importPackage(name: string, located: LocatedPackage): Promise<Record<string, unknown>> {
  try {
    const module = await located.importModule();
    if (typeof module !== 'object' || module === null) throw new Error('its module is not an object');
    return module as Record<string, unknown>;
  } catch (error) {
    throw transportError(name, ErrorCode.TransportLoad, `${located.packageName} failed to load: ${describeError(error)}`, error);
  }
}

/** The plugin is the `default` export or the named `plugin` export. */
function pickPlugin(module: Record<string, unknown>, name: string, packageName: string): TransportPlugin {
  const exported = [module.default, module.plugin].find(
    (value): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && 'specificationVersion' in value,
  );
  if (exported === undefined) {
    throw transportError(
      name,
      ErrorCode.TransportLoad,
      `${packageName} has no transport plugin export (expected a default or "plugin" export with specificationVersion "${TRANSPORT_SPECIFICATION_VERSION}")`,
    );
  }
  if (exported.specificationVersion !== TRANSPORT_SPECIFICATION_VERSION) {
    throw transportError(
      name,
      ErrorCode.TransportLoad,
      `${packageName} implements ${String(exported.specificationVersion)}, but this SKComm needs ${TRANSPORT_SPECIFICATION_VERSION}; install a matching version`,
    );
  }
  if (typeof exported.parseOptions !== 'function' || typeof exported.create !== 'function') {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName}'s plugin export lacks parseOptions() or create()`);
  }
  return exported as unknown as TransportPlugin;
}

const TRANSPORT_METHODS = ['start', 'stop', 'isAvailable', 'send', 'receive', 'healthCheck'] as const;

function checkTransport(transport: Transport, name: string, packageName: string): void {
  const record = transport as unknown as Record<string, unknown> | null | undefined;
  const missing =
    typeof record !== 'object' || record === null
      ? ['everything']
      : TRANSPORT_METHODS.filter((method) => typeof record[method] !== 'function');
  if (missing.length > 0 || typeof record?.traits !== 'object') {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName}'s create() did not return a transport (missing ${missing.join(', ') || 'traits'})`);
  }
  if (transport.name !== name) {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName} created a transport named "${transport.name}" instead of "${name}"`);
  }
}

/** One line that starts with the transport's name; a typed cause's field is kept under the transport's. */
function transportError(name: string, code: ErrorCode, message: string, cause?: unknown): ConfigError {
  const field = SkcommError.is(cause) && cause.field !== undefined ? `transports.${name}.${cause.field}` : `transports.${name}`;
  return new ConfigError(code, `transport "${name}": ${message}`, cause === undefined ? { field } : { cause, field });
}
