/**
 * `skcomm serve` as a user runs it, and two agents talking through it with the websocket
 * transport configured by `skcomm transport add websocket --set url=…` alone: the relay
 * checks their real CapAuth tokens, signed by each agent's own key.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, skcomm, skcommJson } from './cli.js';

const DEV_AUTH_LINE = 'SKCOMM_DEV_AUTH=1 — CapAuth signature check DISABLED';

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr(): string;
  stop(): Promise<number>;
}

/** Starts `skcomm serve --json …` and waits for the line naming its URL. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const childEnv = { ...process.env, ...env };
  if (env.SKCOMM_DEV_AUTH === undefined) delete childEnv.SKCOMM_DEV_AUTH;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', ...args], { env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // --json prints one (indented) document once the relay listens.
      if (stdout.trimEnd().endsWith('}')) {
        const { url } = JSON.parse(stdout) as { url: string };
        resolve({
          child,
          url,
          stderr: () => stderr,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`skcomm serve exited ${code} before listening: ${stderr}`)));
  });
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-serve-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('skcomm serve', () => {
  it('listens on 127.0.0.1, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const served = await serve(['--data', join(root, 'plain')]);
    expect(served.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${served.url.replace('ws://', 'http://')}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', auth: 'capauth' });
    expect(served.stderr()).not.toContain('DISABLED');
    expect(await served.stop()).toBe(0);
  });

  it('logs the exact warning when SKCOMM_DEV_AUTH is set', async () => {
    const served = await serve(['--data', join(root, 'dev')], { SKCOMM_DEV_AUTH: 'yes' });
    expect(served.stderr()).toContain(DEV_AUTH_LINE);
    const code = await served.stop();
    expect(code, served.stderr()).toBe(0);
  });

  it('refuses SKCOMM_DEV_AUTH on a non-loopback address, with a one-line reason', async () => {
    const result = await skcomm(['serve', '--port', '0', '--host', '0.0.0.0', '--data', join(root, 'refused')], { env: { SKCOMM_DEV_AUTH: '1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not loopback');
    expect(result.stderr).toContain('E_CONFIG_INVALID');
  });

  it('refuses an allow list that is not a list of fingerprints', async () => {
    const allow = join(root, 'bad-allow.txt');
    await writeFile(allow, 'not a fingerprint\n');
    const result = await skcomm(['serve', '--port', '0', '--allow', allow, '--data', join(root, 'bad')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 1 is not a full fingerprint');
  });
});

describe('two agents through skcomm serve', () => {
  const opus = { home: '', passphrase: 'opus relay passphrase' };
  const lumina = { home: '', passphrase: 'lumina relay passphrase' };
  let served: Served;

  beforeAll(async () => {
    opus.home = join(root, 'opus');
    lumina.home = join(root, 'lumina');
    const [a, b] = await Promise.all([skcommJson(['init', '--name', 'Opus'], opus), skcommJson(['init', '--name', 'Lumina'], lumina)]);
    const allow = join(root, 'allow.txt');
    await writeFile(allow, `# the two agents of this test\n${a.fingerprint}\n${b.fingerprint}\n`);
    served = await serve(['--allow', allow, '--data', join(root, 'relay')]);
    const opusKey = join(root, 'opus.asc');
    const luminaKey = join(root, 'lumina.asc');
    await writeFile(opusKey, (await skcomm(['keys', 'export'], opus)).stdout);
    await writeFile(luminaKey, (await skcomm(['keys', 'export'], lumina)).stdout);
    await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', luminaKey], opus);
    await skcommJson(['peer', 'add', '--name', 'Opus', '--pubkey', opusKey], lumina);
    for (const agent of [opus, lumina]) await skcommJson(['transport', 'add', 'websocket', '--set', `url=${served.url}`], agent);
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
  });

  it('delivers a sealed message through the relay while the recipient is offline, and shows health', async () => {
    const sent = await skcommJson(['send', 'hello through the relay', '--to', 'Lumina'], opus);
    expect(sent).toMatchObject({ state: 'handed-off', transport: 'websocket' });
    // The relay stored only ciphertext: the text is nowhere in its mailbox log.
    const relayFiles = await readdir(join(root, 'relay'));
    expect(relayFiles.length).toBeGreaterThan(0);
    for (const name of relayFiles) expect((await readFile(join(root, 'relay', name))).includes('hello through the relay')).toBe(false);
    const received = await skcommJson<Array<{ content: string; transport: string; encrypted: boolean }>>(['receive'], lumina);
    expect(received).toEqual([expect.objectContaining({ content: 'hello through the relay', transport: 'websocket', encrypted: true })]);
    const status = await skcommJson(['status'], opus);
    expect(status.transports).toEqual([expect.objectContaining({ name: 'websocket', state: 'up' })]);
    const metrics = await (await fetch(`${served.url.replace('ws://', 'http://')}/metrics`)).text();
    expect(metrics).toMatch(/skcomm_relay_envelopes_accepted_total [1-9]/);
  });
});
