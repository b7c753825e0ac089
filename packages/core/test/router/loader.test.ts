import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, SkcommError } from '../../src/errors.js';
import { candidatePackageNames, loadTransport, type LoadTransportOptions, type TransportLoadConfig } from '../../src/router/index.js';
import { silentLogger, type Transport, type TransportContext } from '../../src/transport/contract.js';
import { importLog, writeFixturePlugin } from './plugin-fixtures.js';

const context: TransportContext = { selfFingerprint: 'B'.repeat(40), stateDir: '/tmp/skcomm-state', logger: silentLogger };

let root: string;
let appDir: string;
let pluginDir: string;
let bundledDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'skcomm-loader-'));
  appDir = join(root, 'app');
  pluginDir = join(root, 'plugins');
  bundledDir = join(root, 'bundled');
  const modules = join(appDir, 'node_modules');
  mkdirSync(appDir, { recursive: true });
  writeFileSync(join(appDir, 'package.json'), '{"name":"host-app","type":"module"}');
  mkdirSync(join(root, 'other-app'), { recursive: true });

  writeFixturePlugin({ directory: join(modules, '@skcomm/transport-fixture'), packageName: '@skcomm/transport-fixture', id: 'fixture' });
  writeFixturePlugin({ directory: join(modules, 'skcomm-transport-echo'), packageName: 'skcomm-transport-echo', id: 'echo', entryStyle: 'main' });
  writeFixturePlugin({
    directory: join(modules, '@acme/skcomm-transport-carrier'),
    packageName: '@acme/skcomm-transport-carrier',
    id: 'carrier',
    exportStyle: 'plugin',
  });
  writeFixturePlugin({
    directory: join(modules, 'skcomm-transport-future'),
    packageName: 'skcomm-transport-future',
    id: 'future',
    specificationVersion: 'skcomm-transport/2',
  });
  writeFixturePlugin({ directory: join(modules, 'skcomm-transport-hollow'), packageName: 'skcomm-transport-hollow', id: 'hollow', exportStyle: 'none' });
  writeFixturePlugin({ directory: join(modules, '@skcomm/transport-lazy'), packageName: '@skcomm/transport-lazy', id: 'lazy' });
  writeFixturePlugin({ directory: join(modules, '@skcomm/transport-neighbour'), packageName: '@skcomm/transport-neighbour', id: 'neighbour' });
  writeFixturePlugin({ directory: join(modules, '@skcomm/transport-override'), packageName: '@skcomm/transport-override', id: 'installed' });

  writeFixturePlugin({ directory: join(pluginDir, 'pigeon'), packageName: 'skcomm-transport-pigeon', id: 'pigeon' });
  writeFixturePlugin({ directory: join(pluginDir, 'my-dev-transport'), packageName: 'my-dev-transport', id: 'dev' });
  writeFixturePlugin({ directory: join(pluginDir, 'override-checkout'), packageName: '@skcomm/transport-override', id: 'local' });
  mkdirSync(join(pluginDir, 'not-a-package'), { recursive: true });

  // Modules "compiled into the host": outside any node_modules, reached only through `bundled`.
  writeFixturePlugin({ directory: join(bundledDir, 'override'), packageName: '@skcomm/transport-override', id: 'bundled' });
  writeFixturePlugin({ directory: join(bundledDir, 'builtin'), packageName: '@skcomm/transport-builtin', id: 'builtin' });
  writeFixturePlugin({ directory: join(bundledDir, 'echo'), packageName: 'skcomm-transport-echo', id: 'bundled-echo' });
});

/** What a bundler's `() => import('<package>')` amounts to, counting the imports. */
function bundledModule(folder: string, imports: string[] = []): () => Promise<unknown> {
  return () => {
    imports.push(folder);
    return import(pathToFileURL(join(bundledDir, folder, 'lib', 'entry.js')).href);
  };
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function load(config: TransportLoadConfig, options: LoadTransportOptions = {}): Promise<Transport> {
  return loadTransport(config, context, { resolveFrom: join(appDir, 'bin.js'), ...options });
}

/** What the fixture transports expose besides the contract. */
type FixtureTransport = Transport & { createdWith: { options: Record<string, unknown>; context: TransportContext } };

async function loadError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const typed = error as ConfigError;
  expect(typed.message).not.toContain('\n');
  return typed;
}

describe('loadTransport', () => {
  it('imports only the package asked for, and only when asked', async () => {
    expect(importLog()).not.toContain('@skcomm/transport-lazy');
    await load({ name: 'lazy' });
    expect(importLog()).toContain('@skcomm/transport-lazy');
    expect(importLog()).not.toContain('@skcomm/transport-neighbour');
  });

  it('loads @skcomm/transport-<name> by default, with parsed options, name, priority and context', async () => {
    const transport = (await load({ name: 'fixture', priority: 7, options: { greeting: 'hi' } })) as FixtureTransport;

    expect(transport.name).toBe('fixture');
    expect(transport.priority).toBe(7);
    expect(transport.createdWith.options).toMatchObject({ greeting: 'hi', name: 'fixture', priority: 7 });
    expect(transport.createdWith.context).toBe(context);
    const result = await transport.send(new Uint8Array([1]), { fingerprint: 'A'.repeat(40) });
    expect(result.detail).toBe('fixture:hi');
  });

  it('leaves priority to the plugin when config has none, and uses a custom name', async () => {
    const transport = (await load({ name: 'relay-eu', package: '@skcomm/transport-fixture' })) as FixtureTransport;
    expect(transport.name).toBe('relay-eu');
    expect(transport.priority).toBe(50);
    expect(transport.createdWith.options).not.toHaveProperty('priority');
  });

  it('finds a third-party skcomm-transport-<name> package (legacy "main" entry)', async () => {
    const transport = await load({ name: 'echo' });
    expect((await transport.send(new Uint8Array([1]), { fingerprint: 'A'.repeat(40) })).detail).toBe('echo:hello');
  });

  it('loads a scoped third-party package named explicitly, exporting `plugin`', async () => {
    const transport = await load({ name: 'carrier', package: '@acme/skcomm-transport-carrier' });
    expect((await transport.send(new Uint8Array([1]), { fingerprint: 'A'.repeat(40) })).detail).toBe('carrier:hello');
  });

  it('resolves from a file: URL or a directory as well as a file path', async () => {
    await expect(load({ name: 'echo' }, { resolveFrom: pathToFileURL(join(appDir, 'bin.js')).href })).resolves.toBeDefined();
    await expect(load({ name: 'echo' }, { resolveFrom: appDir })).resolves.toBeDefined();
  });

  it('loads local plugins by package name or by folder name', async () => {
    const pigeon = await load({ name: 'pigeon' }, { pluginDirs: [pluginDir] });
    const byFolder = await load({ name: 'my-dev-transport' }, { pluginDirs: [pluginDir] });
    const byPackage = await load({ name: 'dev', package: 'my-dev-transport' }, { pluginDirs: [pluginDir] });
    const target = { fingerprint: 'A'.repeat(40) };

    expect((await pigeon.send(new Uint8Array([1]), target)).detail).toBe('pigeon:hello');
    expect((await byFolder.send(new Uint8Array([1]), target)).detail).toBe('dev:hello');
    expect(byPackage.name).toBe('dev');
  });

  it('treats the default package name written out in config like no package at all', async () => {
    const target = { fingerprint: 'A'.repeat(40) };
    const thirdParty = await load({ name: 'echo', package: '@skcomm/transport-echo' });
    const byFolder = await load({ name: 'my-dev-transport', package: '@skcomm/transport-my-dev-transport' }, { pluginDirs: [pluginDir] });
    expect((await thirdParty.send(new Uint8Array([1]), target)).detail).toBe('echo:hello');
    expect((await byFolder.send(new Uint8Array([1]), target)).detail).toBe('dev:hello');
  });

  it('loads a package folder given by absolute path', async () => {
    const transport = await load({ name: 'courier', package: join(pluginDir, 'pigeon') });
    expect(transport.name).toBe('courier');
    expect((await transport.send(new Uint8Array([1]), { fingerprint: 'A'.repeat(40) })).detail).toBe('pigeon:hello');

    const error = await loadError(load({ name: 'courier', package: join(pluginDir, 'not-a-package') }));
    expect(error.code).toBe(ErrorCode.TransportLoad);
    expect(error.message).toContain('holds no package.json');
  });

  it('prefers a local plugin over the installed package of the same name', async () => {
    const target = { fingerprint: 'A'.repeat(40) };
    const local = await load({ name: 'override' }, { pluginDirs: [join(root, 'missing-dir'), pluginDir] });
    const installed = await load({ name: 'override' });
    expect((await local.send(new Uint8Array([1]), target)).detail).toBe('local:hello');
    expect((await installed.send(new Uint8Array([1]), target)).detail).toBe('installed:hello');
  });

  describe('with transports bundled into the host', () => {
    const target = { fingerprint: 'A'.repeat(40) };

    it('uses the bundled module instead of node_modules, importing only the one chosen', async () => {
      const imports: string[] = [];
      const bundled = { '@skcomm/transport-override': bundledModule('override', imports), '@skcomm/transport-builtin': bundledModule('builtin', imports) };
      const transport = await load({ name: 'override' }, { bundled });
      expect((await transport.send(new Uint8Array([1]), target)).detail).toBe('bundled:hello');
      expect(imports).toEqual(['override']);
    });

    it('loses to a plugin dir and to an absolute package path', async () => {
      const bundled = { '@skcomm/transport-override': bundledModule('override') };
      const local = await load({ name: 'override' }, { bundled, pluginDirs: [pluginDir] });
      const byPath = await load({ name: 'override', package: join(pluginDir, 'override-checkout') }, { bundled });
      expect((await local.send(new Uint8Array([1]), target)).detail).toBe('local:hello');
      expect((await byPath.send(new Uint8Array([1]), target)).detail).toBe('local:hello');
    });

    it('serves a package that is not installed at all, and one named explicitly under another transport name', async () => {
      const bundled = { '@skcomm/transport-builtin': bundledModule('builtin') };
      const builtin = await load({ name: 'builtin' }, { bundled });
      const renamed = await load({ name: 'backup', package: '@skcomm/transport-builtin' }, { bundled });
      expect((await builtin.send(new Uint8Array([1]), target)).detail).toBe('builtin:hello');
      expect(renamed.name).toBe('backup');
    });

    it('beats node_modules for a third-party name too', async () => {
      const transport = await load({ name: 'echo' }, { bundled: { 'skcomm-transport-echo': bundledModule('echo') } });
      expect((await transport.send(new Uint8Array([1]), target)).detail).toBe('bundled-echo:hello');
    });

    it('reports a bundled module that fails to import, or is not a module', async () => {
      const failing = await loadError(load({ name: 'builtin' }, { bundled: { '@skcomm/transport-builtin': () => Promise.reject(new Error('chunk missing')) } }));
      expect(failing.code).toBe(ErrorCode.TransportLoad);
      expect(failing.message).toBe('transport "builtin": @skcomm/transport-builtin failed to load: chunk missing');

      const empty = await loadError(load({ name: 'builtin' }, { bundled: { '@skcomm/transport-builtin': async () => undefined } }));
      expect(empty.message).toContain('@skcomm/transport-builtin failed to load: its module is not an object');
    });

    it('does not take inherited properties for bundled packages', async () => {
      const error = await loadError(load({ name: 'proto', package: 'constructor' }, { bundled: {} }));
      expect(error.message).toContain('package constructor is not installed');
    });
  });

  it('says how to install a missing package', async () => {
    const error = await loadError(load({ name: 'missing' }, { pluginDirs: [pluginDir] }));
    expect(error.code).toBe(ErrorCode.TransportLoad);
    expect(error.message).toMatch(/^transport "missing": package @skcomm\/transport-missing \/ skcomm-transport-missing is not installed/);
    expect(error.message).toContain('install it with: npm i @skcomm/transport-missing');

    const explicit = await loadError(load({ name: 'x', package: '@acme/skcomm-transport-nowhere' }));
    expect(explicit.message).toContain('npm i @acme/skcomm-transport-nowhere');
  });

  it('does not see packages the host cannot see', async () => {
    const error = await loadError(load({ name: 'echo' }, { resolveFrom: join(root, 'other-app', 'bin.js') }));
    expect(error.code).toBe(ErrorCode.TransportLoad);
  });

  it('refuses a plugin written for another contract version', async () => {
    const error = await loadError(load({ name: 'future' }));
    expect(error.code).toBe(ErrorCode.TransportLoad);
    expect(error.message).toContain('skcomm-transport-future implements skcomm-transport/2, but this SKComm needs skcomm-transport/1');
  });

  it('refuses a package without a plugin export', async () => {
    const error = await loadError(load({ name: 'hollow' }));
    expect(error.code).toBe(ErrorCode.TransportLoad);
    expect(error.message).toContain('skcomm-transport-hollow has no transport plugin export');
  });

  it("keeps the code and field of a plugin's typed option error, and types an untyped one", async () => {
    const typed = await loadError(load({ name: 'fixture', options: { greeting: 42 } }));
    expect(typed).toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'transports.fixture.greeting' });
    expect(typed.message).toBe('transport "fixture": invalid options for @skcomm/transport-fixture: greeting must be a string');

    const untyped = await loadError(load({ name: 'fixture', options: { explode: true } }));
    expect(untyped).toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'transports.fixture' });
    expect(untyped.cause).toBeInstanceOf(Error);
  });

  it('reports a create() failure and a transport created under another name', async () => {
    const failing = await loadError(load({ name: 'fixture', options: { failCreate: true } }));
    expect(failing.code).toBe(ErrorCode.TransportLoad);
    expect(failing.message).toContain('could not create the transport: cannot open the mailbox');

    const renamed = await loadError(load({ name: 'fixture', options: { renameTo: 'other' } }));
    expect(renamed.message).toContain('created a transport named "other" instead of "fixture"');
  });

  it.each([
    ['a name with a path in it', { name: '../../evil' }, 'name'],
    ['an uppercase name', { name: 'File' }, 'name'],
    ['a package that is a relative path', { name: 'file', package: '../../../etc' }, 'package'],
    ['a package that is a relative path to a folder', { name: 'file', package: './plugins/file' }, 'package'],
    ['a package name with a space', { name: 'file', package: 'skcomm transport' }, 'package'],
  ])('refuses %s before looking anywhere', async (_label, config, field) => {
    const error = await loadError(load(config as TransportLoadConfig));
    expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid, field });
    expect(SkcommError.is(error)).toBe(true);
  });
});

describe('candidatePackageNames', () => {
  it('tries the official scope, then the third-party convention; an explicit package alone', () => {
    expect(candidatePackageNames({ name: 'tcp' })).toEqual(['@skcomm/transport-tcp', 'skcomm-transport-tcp']);
    expect(candidatePackageNames({ name: 'tcp', package: '@acme/skcomm-transport-tcp' })).toEqual(['@acme/skcomm-transport-tcp']);
  });
});
