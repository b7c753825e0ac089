/**
 * Finding an ESM package the way `import` would from the host application, not from
 * @skcomm/core: with pnpm, core cannot see the packages its host installed.
 *
 * `createRequire(host).resolve()` cannot be used for the entry itself: it matches only
 * CommonJS conditions, and our packages export `{ types, import }` only. So Node's own
 * node_modules lookup list (`require.resolve.paths`) finds the folder, and the entry
 * comes from package.json `exports` with the conditions `import` would use.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The conditions an ESM import matches under Node. */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

export interface PackageFolder {
  directory: string;
  /** `name` from its package.json, when it has one. */
  name: string | undefined;
  manifest: Record<string, unknown>;
}

/** The installed package's folder as seen from `resolveFrom` (a file, a directory or a file: URL), or undefined. */
export function findInstalledPackage(packageName: string, resolveFrom: string | URL): PackageFolder | undefined {
  const require = createRequire(hostFile(resolveFrom));
  for (const nodeModules of require.resolve.paths(packageName) ?? []) {
    const folder = readPackageFolder(join(nodeModules, packageName));
    if (folder !== undefined) return folder;
  }
  return undefined;
}

/** Every `<pluginDir>/<folder>/` holding a package.json. A missing plugin dir holds none. */
export function listPluginFolders(pluginDir: string): PackageFolder[] {
  let entries;
  try {
    entries = readdirSync(pluginDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
    .map((entry) => readPackageFolder(join(pluginDir, entry.name)))
    .filter((folder): folder is PackageFolder => folder !== undefined);
}

/**
 * The file `import` would load for the package's root: `exports["."]` (or the exports
 * sugar) with ESM conditions, else `main`, else index.js. It must stay inside the folder.
 */
export function packageEntry(folder: PackageFolder): string {
  const { exports, main } = folder.manifest;
  let relative: string | undefined;
  if (exports !== undefined) {
    relative = conditionalTarget(rootExport(exports));
    if (relative === undefined) throw new Error('its package.json "exports" has no "." entry for import');
  } else {
    relative = typeof main === 'string' ? main : 'index.js';
  }
  const entry = resolve(folder.directory, relative);
  if (!entry.startsWith(folder.directory + sep)) throw new Error(`its entry ${relative} points outside the package`);
  if (!existsSync(entry) || !statSync(entry).isFile()) throw new Error(`its entry ${relative} does not exist`);
  return entry;
}

/** The folder's package.json, or undefined when it has none. */
export function readPackageFolder(directory: string): PackageFolder | undefined {
  let text: string;
  try {
    text = readFileSync(join(directory, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    manifest = undefined;
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new Error(`${join(directory, 'package.json')} is not a JSON object`);
  }
  const record = manifest as Record<string, unknown>;
  return { directory: resolve(directory), name: typeof record.name === 'string' ? record.name : undefined, manifest: record };
}

/** `exports` may be the root target itself, or a map of subpaths, or a map of conditions. */
function rootExport(exports: unknown): unknown {
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return exports;
  const record = exports as Record<string, unknown>;
  return Object.keys(record).some((key) => key.startsWith('.')) ? record['.'] : record;
}

function conditionalTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const candidate of target) {
      const found = conditionalTarget(candidate);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    // Key order is the package's preference order, as in Node.
    for (const [condition, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(condition)) continue;
      const found = conditionalTarget(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** createRequire needs a file inside the directory to search from. */
function hostFile(resolveFrom: string | URL): string {
  const path = resolveFrom instanceof URL || resolveFrom.startsWith('file:') ? fileURLToPath(resolveFrom) : resolve(resolveFrom);
  const isDirectory = existsSync(path) && statSync(path).isDirectory();
  return isDirectory ? join(path, 'skcomm-resolve-from.js') : path;
}
