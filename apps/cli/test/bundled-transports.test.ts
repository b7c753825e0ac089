/**
 * The file transport is compiled into the CLI bundle (src/bundled-transports.ts). These
 * tests run a copy of the bundle placed where no node_modules can be reached, so whatever
 * loads there came from the bundle: it must send, its typed errors must reach the router
 * as TransportErrors, and a plugin in <home>/plugins must still take precedence.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult, skcomm, skcommJson } from './cli.js';

let root = '';
let copiedBin = '';
let shared = '';
let bobFingerprint = '';
const alice = { home: '', passphrase: 'alice passphrase' };
const bob = { home: '', passphrase: 'bob passphrase' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-bundled-'));
  const copy = join(root, 'cli');
  await mkdir(copy);
  await cp(BIN, join(copy, 'bin.js'));
  await cp(join(dirname(BIN), 'chunks'), join(copy, 'chunks'), { recursive: true });
  await writeFile(join(copy, 'package.json'), '{"type":"module"}');
  copiedBin = join(copy, 'bin.js');

  alice.home = join(root, 'alice');
  bob.home = join(root, 'bob');
  await Promise.all([skcommJson(['init', '--name', 'Alice'], alice), skcommJson(['init', '--name', 'Bob'], bob)]);
  const bobKey = join(root, 'bob.asc');
  await writeFile(bobKey, (await skcomm(['keys', 'export'], bob)).stdout);
  const added = await skcommJson(['peer', 'add', '--name', 'Bob', '--pubkey', bobKey, '--trust', 'trusted'], alice);
  bobFingerprint = added.peer?.fingerprint ?? added.fingerprint;
  expect(bobFingerprint).toMatch(/^[0-9A-F]{40}$/);
  shared = join(root, 'shared');
  await skcommJson(['transport', 'add', 'file', '--set', `root=${shared}`], alice);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Alice's environment, without the NODE_PATH that pnpm sets for tests (a way to the workspace's node_modules). */
function aliceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SKCOMM_HOME: alice.home, SKCOMM_PASSPHRASE: alice.passphrase };
  delete env.NODE_PATH;
  return env;
}

/** Runs the copied bundle as Alice. */
function copiedSkcomm(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [copiedBin, ...args], { env: aliceEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('the file transport bundled into the CLI', () => {
  it('sends from a copy of the bundle that no node_modules can reach', async () => {
    // Every folder the loader would search from the copy (as core's findInstalledPackage does): none holds the package.
    const probe = spawnSync(process.execPath, ['-e', INSTALLED_COPIES, copiedBin], { env: aliceEnv(), encoding: 'utf8' });
    expect(probe.status, probe.stderr).toBe(0);
    expect(probe.stdout.trim()).toBe('');
    await mkdir(shared, { recursive: true });

    const sent = await copiedSkcomm(['send', '--to', 'Bob', 'from the bundle', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    const report = JSON.parse(sent.stdout);
    expect(report).toMatchObject({ state: 'handed-off', transport: 'file' });
    expect(report.attempts[0].detail).toContain(join(shared, bobFingerprint));
  });

  it("hands the router its FileTransportError as a TransportError, retryable flag and all", async () => {
    await rm(shared, { recursive: true, force: true });
    // No shared folder: the transport is skipped and the message is queued under a known id.
    const queued = await copiedSkcomm(['send', '--to', 'Bob', 'squatted', '--json']);
    const { envelope_id: envelopeId, state } = JSON.parse(queued.stdout);
    expect(state).toBe('queued');

    // A directory squatting on the envelope's file name: the final rename fails (EISDIR),
    // which the file transport reports as a retryable FileTransportError.
    await mkdir(join(shared, bobFingerprint, `${envelopeId}.skc.json`, 'squatter'), { recursive: true });
    const retried = await copiedSkcomm(['outbox', 'retry', envelopeId, '--json']);
    const [report] = JSON.parse(retried.stdout).retried;
    expect(report).toMatchObject({ envelope_id: envelopeId, state: 'queued' });
    // An untyped throw would carry the raw errno message; a typed non-transport error, retryable false.
    expect(report.attempts).toEqual([
      expect.objectContaining({
        transport: 'file',
        outcome: 'failed',
        error: { code: 'E_TRANSPORT', retryable: true, message: expect.stringMatching(/^cannot write the envelope: /) },
      }),
    ]);
  });

  it('gives way to a plugin of the same name in <home>/plugins', async () => {
    const plugin = join(alice.home, 'plugins', 'file');
    await mkdir(plugin, { recursive: true });
    await writeFile(join(plugin, 'package.json'), JSON.stringify({ name: 'skcomm-transport-file-override', type: 'module', main: 'index.js' }));
    await writeFile(join(plugin, 'index.js'), OVERRIDE_PLUGIN);
    try {
      const sent = await copiedSkcomm(['send', '--to', 'Bob', 'to the plugin', '--json']);
      expect(sent.code, sent.stderr).toBe(0);
      expect(JSON.parse(sent.stdout)).toMatchObject({ state: 'handed-off', transport: 'file', attempts: [expect.objectContaining({ detail: 'taken by the plugin' })] });
    } finally {
      await rm(join(alice.home, 'plugins'), { recursive: true, force: true });
    }
  });
});

/** Prints the node_modules copies of @skcomm/transport-file visible from the file in argv[1]. */
const INSTALLED_COPIES = `
const { existsSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const name = '@skcomm/transport-file';
console.log(createRequire(process.argv[1]).resolve.paths(name).filter((dir) => existsSync(join(dir, name))).join(' '));
`;

/** A minimal transport plugin that takes every envelope and says so. */
const OVERRIDE_PLUGIN = `
export default {
  specificationVersion: 'skcomm-transport/1',
  id: 'file',
  parseOptions: (raw) => raw,
  create: (options) => ({
    specificationVersion: 'skcomm-transport/1',
    name: options.name,
    priority: 10,
    traits: {
      delivery: 'store-and-forward', expectedLatencyMs: 1, maxEnvelopeBytes: 1048576, stealth: 'high',
      metadataExposure: 'none', duplex: true, hopAck: false,
    },
    async start() {},
    async stop() {},
    async isAvailable() { return true; },
    async send() { return { transport: options.name, detail: 'taken by the plugin' }; },
    async receive() { return []; },
    async healthCheck() { return { status: 'up', checkedAt: new Date() }; },
  }),
};
`;
