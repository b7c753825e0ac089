/**
 * Reliable delivery through the CLI: `send --wait` gets the signed ack from a running
 * `skcomm daemon`, the daemon refuses a second copy on one home and stops cleanly on
 * SIGTERM, `outbox list|show|retry|purge`, and `status` with the outbox depth.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, skcomm, skcommJson } from './cli.js';

let root = '';
const opus = { home: '', passphrase: 'opus passphrase' };
const lumina = { home: '', passphrase: 'lumina passphrase' };
let daemon: ChildProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-delivery-'));
  opus.home = join(root, 'opus');
  lumina.home = join(root, 'lumina');
  await Promise.all([skcommJson(['init', '--name', 'Opus'], opus), skcommJson(['init', '--name', 'Lumina'], lumina)]);
  const opusKey = join(root, 'opus.asc');
  const luminaKey = join(root, 'lumina.asc');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(opusKey, (await skcomm(['keys', 'export'], opus)).stdout);
  await writeFile(luminaKey, (await skcomm(['keys', 'export'], lumina)).stdout);
  await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', luminaKey], opus);
  await skcommJson(['peer', 'add', '--name', 'Opus', '--pubkey', opusKey], lumina);
  const shared = join(root, 'shared');
  await mkdir(shared);
  for (const agent of [opus, lumina]) {
    await skcommJson(['transport', 'add', 'file', '--set', `root=${shared}`, '--set', 'pollIntervalMs=100', '--set', 'expectedLatencyMs=200'], agent);
  }
});

afterAll(async () => {
  daemon?.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** Starts `skcomm daemon` for Lumina and resolves once it says it runs. */
function startDaemon(): Promise<ChildProcess> {
  const env = { ...process.env, SKCOMM_HOME: lumina.home, SKCOMM_PASSPHRASE: lumina.passphrase };
  const child = spawn(process.execPath, [BIN, 'daemon', '--poll-interval', '100'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes('skcomm daemon: running')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${stderr}`)));
  });
}

describe('skcomm daemon and send --wait', () => {
  it('delivers with a signed ack while the daemon runs, refuses a second daemon, stops cleanly on SIGTERM', async () => {
    daemon = await startDaemon();
    const second = await skcomm(['daemon'], lumina);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/a daemon \(pid \d+\) is already running on this home .*\(E_ALREADY_EXISTS\)/);

    const sent = await skcommJson(['send', '--to', 'Lumina', '--wait', '60', 'are you there?'], opus);
    expect(sent).toMatchObject({ state: 'delivered', reason: expect.stringMatching(/^acked via file/) });
    const shown = await skcomm(['outbox', 'show', sent.envelope_id], opus);
    expect(shown.stdout).toMatch(/delivered since .*acked via file/);
    expect(shown.stdout).toMatch(/file handed-off at .*\.skc\.json/);

    const exited = new Promise<number | null>((resolve) => daemon?.once('exit', resolve));
    daemon.kill('SIGTERM');
    expect(await exited).toBe(0);
    daemon = undefined;
    const received = await skcommJson(['receive'], lumina);
    expect(received.map((message: { content: string }) => message.content)).toEqual(['are you there?']);
  });
});

describe('skcomm outbox', () => {
  it('lists a queued message, explains its route, retries and purges it', async () => {
    const home = join(root, 'lonely');
    const agent = { home, passphrase: 'p' };
    await skcommJson(['init', '--name', 'Lonely'], agent);
    await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', join(root, 'lumina.asc')], agent);
    await skcommJson(['transport', 'add', 'file', '--set', `root=${join(root, 'missing')}`], agent);
    const failed = await skcomm(['send', '--to', 'Lumina', 'nobody home', '--json'], agent);
    expect(failed.code).toBe(1);
    const { envelope_id: envelopeId } = JSON.parse(failed.stdout);

    const listed = await skcommJson(['outbox', 'list'], agent);
    expect(listed.depth).toMatchObject({ queued: 1 });
    expect(listed.messages).toEqual([expect.objectContaining({ envelope_id: envelopeId, state: 'queued', retry_count: 1, next_attempt_at: expect.any(String) })]);
    const shown = await skcomm(['outbox', 'show', envelopeId], agent);
    expect(shown.stdout).toMatch(/file (failed|skipped)/);

    const status = await skcommJson(['status'], agent);
    expect(status.outbox).toMatchObject({ queued: 1 });

    // The root appears: retry now hands it off.
    await mkdir(join(root, 'missing'));
    const retried = await skcommJson(['outbox', 'retry', envelopeId], agent);
    expect(retried.retried).toEqual([expect.objectContaining({ envelope_id: envelopeId, state: 'handed-off' })]);
    const purged = await skcommJson(['outbox', 'purge', envelopeId], agent);
    expect(purged.purged).toEqual([envelopeId]);
    expect((await skcommJson(['outbox', 'list'], agent)).messages).toEqual([]);
    const missing = await skcomm(['outbox', 'show', envelopeId], agent);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no envelope .* in the outbox \(E_NOT_FOUND\)/);
  });
});
