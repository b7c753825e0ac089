/**
 * `skcomm send --file` between two homes over the file transport (a shared folder): a
 * small file goes inline and `receive` saves it and says where; a large one needs a
 * transport that streams files and the error says so in one line.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, skcomm, skcommJson } from './cli.js';

let root = '';
const opus = { home: '', passphrase: 'opus passphrase' };
const lumina = { home: '', passphrase: 'lumina passphrase' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-file-'));
  opus.home = join(root, 'opus');
  lumina.home = join(root, 'lumina');
  await Promise.all([skcommJson(['init', '--name', 'Opus'], opus), skcommJson(['init', '--name', 'Lumina'], lumina)]);
  const opusKey = join(root, 'opus.asc');
  const luminaKey = join(root, 'lumina.asc');
  await writeFile(opusKey, (await skcomm(['keys', 'export'], opus)).stdout);
  await writeFile(luminaKey, (await skcomm(['keys', 'export'], lumina)).stdout);
  await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', luminaKey], opus);
  await skcommJson(['peer', 'add', '--name', 'Opus', '--pubkey', opusKey], lumina);
  const shared = join(root, 'shared');
  await mkdir(shared);
  for (const agent of [opus, lumina]) await skcommJson(['transport', 'add', 'file', '--set', `root=${shared}`], agent);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('skcomm send --file', () => {
  it('sends a small file inline; receive saves it and prints where', async () => {
    const bytes = randomBytes(40_000);
    const path = join(root, 'report draft.pdf');
    await writeFile(path, bytes);
    const sent = await skcommJson(['send', '--to', 'Lumina', '--file', path, '--name', 'report.pdf'], opus);
    expect(sent).toMatchObject({
      state: 'handed-off',
      transport: 'file',
      file: { name: 'report.pdf', size: 40_000, sha256: createHash('sha256').update(bytes).digest('hex'), method: 'inline' },
    });

    const received = await skcomm(['receive'], lumina);
    expect(received.code).toBe(0);
    const saved = join(lumina.home, 'files', 'received', 'report.pdf');
    expect(received.stdout).toContain(`file report.pdf (39.1 KiB) from Opus saved to ${saved}`);
    expect(received.stdout).toContain('type file');
    expect(await readFile(saved)).toEqual(bytes);
  });

  it('prints the saved file in receive --json, without the bytes', async () => {
    const path = join(root, 'notes.txt');
    await writeFile(path, 'plain notes\n');
    await skcommJson(['send', '--to', 'Lumina', '--file', path], opus);
    const [message] = await skcommJson(['receive'], lumina);
    expect(message.file).toMatchObject({ name: 'notes.txt', size: 12, path: join(lumina.home, 'files', 'received', 'notes.txt') });
    expect(message.content).not.toContain('data');
  });

  it('a large file without a transport that streams files: one line naming what is needed, exit 1', async () => {
    const path = join(root, 'big.bin');
    await writeFile(path, randomBytes(300 * 1024));
    const result = await skcomm(['send', '--to', 'Lumina', '--file', path], opus);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^skcomm: files over 262144 bytes stream through a transport with sendWithAttachment\(\) \(such as webrtc\); none of the configured transports \(file\) can \(E_NO_ROUTE\)\n$/);
  });

  it('refuses TEXT together with --file, and --name without --file (usage, exit 2)', async () => {
    const both = await skcomm(['send', '--to', 'Lumina', '--file', join(root, 'notes.txt'), 'hello'], opus);
    expect([both.code, both.stderr]).toEqual([2, 'skcomm: give either TEXT or --file, not both (E_USAGE)\n']);
    const nameOnly = await skcomm(['send', '--to', 'Lumina', '--name', 'x.txt', 'hello'], opus);
    expect([nameOnly.code, nameOnly.stderr]).toEqual([2, 'skcomm: --name names a file: use it with --file (E_USAGE)\n']);
  });

  it('the daemon prints each file as it lands, and send --wait reports the ack', async () => {
    const env = { ...process.env, SKCOMM_HOME: lumina.home, SKCOMM_PASSPHRASE: lumina.passphrase };
    const daemon = spawn(process.execPath, [BIN, 'daemon', '--poll-interval', '50'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    daemon.stdout.on('data', (chunk) => (stdout += chunk));
    try {
      await new Promise<void>((resolve, reject) => {
        let stderr = '';
        daemon.stderr.on('data', (chunk) => {
          stderr += chunk;
          if (stderr.includes('skcomm daemon: running')) resolve();
        });
        daemon.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${stderr}`)));
      });
      const path = join(root, 'photo.png');
      await writeFile(path, randomBytes(2048));
      const sent = await skcommJson(['send', '--to', 'Lumina', '--file', path, '--wait', '60'], opus);
      expect(sent).toMatchObject({ state: 'delivered', file: { name: 'photo.png', method: 'inline' } });
      expect(stdout).toBe(`file photo.png (2.0 KiB) from Opus saved to ${join(lumina.home, 'files', 'received', 'photo.png')}\n`);
    } finally {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
  });

  it('a missing file is one line with a storage error', async () => {
    const result = await skcomm(['send', '--to', 'Lumina', '--file', join(root, 'nope.bin')], opus);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^skcomm: cannot read .*nope\.bin: .*\(E_STORAGE\)\n$/);
  });
});
