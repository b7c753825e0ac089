/**
 * Pending streamed file transfers in the CLI: `outbox list` and `status` show them (name,
 * peer, size, state, last error, next attempt; never the key), `outbox purge` forgets
 * them by id or all with --files, and `skcomm daemon` says on stderr why it gave one up.
 * The records are made as `skcomm send --file` makes them (a real sealed manifest); the
 * file transport cannot stream, so nothing here needs a peer online.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealEnvelope } from '@skcomm/core/crypto';
import { serializeEnvelope } from '@skcomm/core';
import { FILE_CONTENT_TYPE, OutgoingTransferStore, prepareOutgoingFile, serializeFileManifest } from '@skcomm/core/files';
import { homeLayout, loadIdentity, PeerStore } from '@skcomm/core/store';
import { BIN, skcomm, skcommJson } from './cli.js';

let root = '';
const opus = { home: '', passphrase: 'opus passphrase' };
const lumina = { home: '', passphrase: 'lumina passphrase' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-outbox-files-'));
  opus.home = join(root, 'opus');
  lumina.home = join(root, 'lumina');
  await Promise.all([skcommJson(['init', '--name', 'Opus'], opus), skcommJson(['init', '--name', 'Lumina'], lumina)]);
  const luminaKey = join(root, 'lumina.asc');
  await writeFile(luminaKey, (await skcomm(['keys', 'export'], lumina)).stdout);
  await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', luminaKey], opus);
  const shared = join(root, 'shared');
  await mkdir(shared);
  await skcommJson(['transport', 'add', 'file', '--set', `root=${shared}`], opus);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const transfersDir = () => join(opus.home, 'queue', 'files');

/** A transfer to Lumina recorded as `skcomm send --file` records it, optionally with the state a failed round leaves. */
async function pendingTransfer(name: string, size: number, lastError?: { code: string; message: string }) {
  const path = join(root, name);
  await writeFile(path, randomBytes(size));
  const sender = await loadIdentity(opus.home, opus.passphrase);
  const peers = new PeerStore(homeLayout(opus.home).peersDir);
  const peer = (await peers.get('Lumina'))!;
  const pinned = (await peers.findByFingerprint(peer.fingerprint))!;
  const outgoing = await prepareOutgoingFile(path);
  await outgoing.close();
  const envelope = await sealEnvelope(
    { type: 'webrtc_file', contentType: FILE_CONTENT_TYPE, body: serializeFileManifest(outgoing.manifest), envelopeId: randomUUID(), createdAt: new Date() },
    { sender, recipient: { ...pinned.key, name: peer.name }, mode: 'secured' },
  );
  const transferId = outgoing.manifest.transfer_id;
  await new OutgoingTransferStore(transfersDir()).save({
    transfer_id: transferId,
    peer: peer.fingerprint,
    path,
    size,
    mtime_ms: outgoing.mtimeMs,
    manifest: outgoing.manifest,
    envelope: Buffer.from(serializeEnvelope(envelope)).toString('base64'),
    created_at: new Date().toISOString(),
  });
  const nextAttemptAt = new Date(Date.now() + 3_600_000).toISOString();
  if (lastError !== undefined) {
    const at = new Date().toISOString();
    const state = { state: 'queued', rounds: 2, next_attempt_at: nextAttemptAt, last_error: { ...lastError, at }, via: null, updated_at: at };
    await writeFile(join(transfersDir(), `${transferId}.state.json`), JSON.stringify(state));
  }
  return { path, transferId, envelopeId: envelope.envelope_id, key: outgoing.manifest.key, nextAttemptAt };
}

describe('pending file transfers in the outbox commands', () => {
  it('outbox list and status show them; purge forgets one by id and the rest with --files, never without asking', async () => {
    const first = await pendingTransfer('video.mp4', 1_500_000, { code: 'E_TRANSPORT_UNAVAILABLE', message: 'no link to the peer' });
    const second = await pendingTransfer('archive.tar', 600_000);

    const listed = await skcomm(['outbox', 'list'], opus);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('File transfers:');
    const line = listed.stdout.split('\n').find((text) => text.startsWith(first.transferId));
    expect(line).toMatch(new RegExp(`^${first.transferId}\\s+video\\.mp4\\s+Lumina\\s+1\\.4 MiB\\s+queued\\s+${first.nextAttemptAt} after E_TRANSPORT_UNAVAILABLE: no link to the peer$`));
    expect(listed.stdout).toMatch(new RegExp(`${second.transferId}\\s+archive\\.tar\\s+Lumina\\s+585\\.9 KiB\\s+queued`));

    const json = await skcommJson(['outbox', 'list'], opus);
    expect(json.messages).toEqual([]);
    expect(json.files).toEqual([
      expect.objectContaining({
        transfer_id: first.transferId,
        envelope_id: first.envelopeId,
        name: 'video.mp4',
        path: first.path,
        peer: 'Lumina',
        size: 1_500_000,
        state: 'queued',
        rounds: 2,
        next_attempt_at: first.nextAttemptAt,
        last_error: expect.objectContaining({ code: 'E_TRANSPORT_UNAVAILABLE', message: 'no link to the peer' }),
      }),
      expect.objectContaining({ transfer_id: second.transferId, state: 'queued', rounds: 0, last_error: null }),
    ]);
    expect(JSON.stringify(json)).not.toContain(first.key);
    expect((await skcommJson(['status'], opus)).file_transfers).toEqual({ queued: 2, handed_off: 0 });
    expect((await skcomm(['status'], opus)).stdout).toContain('file transfers: 2 queued, 0 awaiting ack (skcomm outbox list)');

    expect(await skcommJson(['outbox', 'purge'], opus)).toEqual({ ok: true, purged: [], files: [] });
    expect(await skcommJson(['outbox', 'purge', first.envelopeId], opus)).toEqual({ ok: true, purged: [], files: [first.envelopeId] });
    const purged = await skcomm(['outbox', 'purge', '--files'], opus);
    expect(purged.stdout).toBe(`Forgot 1 file transfer(s): ${second.transferId}\n`);
    expect(await readdir(transfersDir())).toEqual([]);
    expect((await skcomm(['outbox', 'list'], opus)).stdout).toBe('The outbox is empty.\n');
    expect((await skcomm(['outbox', 'purge', '--help'], opus)).stdout).toMatch(/--files\s+also forget every pending file transfer/);
  });

  it('the daemon gives up a transfer whose file is gone and says so on stderr', async () => {
    const gone = await pendingTransfer('draft.bin', 400_000);
    await rm(gone.path);
    const env = { ...process.env, SKCOMM_HOME: opus.home, SKCOMM_PASSPHRASE: opus.passphrase };
    const daemon = spawn(process.execPath, [BIN, 'daemon', '--poll-interval', '50'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        daemon.stderr.on('data', (chunk) => {
          stderr += chunk;
          if (stderr.includes('stopped sending')) resolve();
        });
        daemon.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${stderr}`)));
      });
    } finally {
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      daemon.kill('SIGTERM');
      await exited;
    }
    expect(stderr).toContain(`skcomm daemon: stopped sending ${gone.path} to Lumina: ${gone.path} is gone\n`);
    expect(await readdir(transfersDir())).toEqual([]);
  });
});

describe('outbox show and retry of a file transfer', () => {
  it('show prints one by transfer or envelope id; retry resumes it now through the daemon path, or every due one after the messages', async () => {
    const movie = await pendingTransfer('movie.mkv', 700_000, { code: 'E_TRANSPORT_UNAVAILABLE', message: 'no link to the peer' });

    const shown = await skcomm(['outbox', 'show', movie.transferId], opus);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')).toEqual([
      'file movie.mkv (683.6 KiB) to Lumina: queued, 2 round(s)',
      `  transfer ${movie.transferId}, envelope ${movie.envelopeId}`,
      `  path ${movie.path}`,
      expect.stringMatching(/^ {2}started \d{4}-\d\d-\d\dT/),
      expect.stringMatching(/^ {2}last error \S+: E_TRANSPORT_UNAVAILABLE: no link to the peer$/),
      `  next attempt ${movie.nextAttemptAt} (skcomm daemon, or skcomm outbox retry ${movie.transferId} now)`,
      '',
    ]);
    const json = await skcommJson(['outbox', 'show', movie.envelopeId], opus);
    expect(json).toEqual({
      ok: true,
      file: expect.objectContaining({ transfer_id: movie.transferId, envelope_id: movie.envelopeId, name: 'movie.mkv', path: movie.path, peer: 'Lumina', size: 700_000, state: 'queued', rounds: 2, via: null }),
    });
    expect(JSON.stringify(json)).not.toContain(movie.key);

    // Tried now although its next attempt is an hour away: the file transport cannot stream, so it is queued again.
    const retried = await skcomm(['outbox', 'retry', movie.transferId], opus);
    expect([retried.code, retried.stderr]).toEqual([0, '']);
    expect(retried.stdout).toMatch(
      new RegExp(`^${movie.transferId} file movie\\.mkv \\(683\\.6 KiB\\) to Lumina: queued, next attempt \\S+ \\(files over 262144 bytes stream through a transport with sendWithAttachment\\(\\)`),
    );
    expect((await skcommJson(['outbox', 'show', movie.transferId], opus)).file).toMatchObject({ rounds: 3, last_error: { code: 'E_NO_ROUTE' } });

    // A daemon (any live process but this command) holds the transfer's lock: retry leaves it alone.
    const lockPath = join(transfersDir(), `${movie.transferId}.lock`);
    await writeFile(lockPath, `${process.pid}\n`);
    const busy = await skcomm(['outbox', 'retry', movie.envelopeId], opus);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(
      `skcomm: the transfer of ${movie.path} is being sent by another process (skcomm daemon or send --file); skcomm outbox show ${movie.transferId} follows it (E_ALREADY_EXISTS)\n`,
    );
    await rm(lockPath);

    // Without an ID: only the due ones (no round yet, or past their next attempt), as the daemon takes them.
    const fresh = await pendingTransfer('fresh.iso', 500_000);
    const gone = await pendingTransfer('gone.iso', 500_000);
    await rm(gone.path);
    const all = await skcommJson(['outbox', 'retry'], opus);
    expect(all.retried).toEqual([]);
    expect(Object.fromEntries(all.files.map((file: { name: string; state: string }) => [file.name, file.state]))).toEqual({ 'fresh.iso': 'queued', 'gone.iso': 'dropped' });
    expect(all.files.find((file: { name: string }) => file.name === 'gone.iso')).toMatchObject({ transfer_id: gone.transferId, reason: `${gone.path} is gone`, attempts: [] });
    expect((await skcommJson(['outbox', 'list'], opus)).files.map((file: { transfer_id: string }) => file.transfer_id).sort()).toEqual([movie.transferId, fresh.transferId].sort());

    for (const command of ['show', 'retry']) {
      expect(await skcomm(['outbox', command, 'no-such-id'], opus)).toEqual({ code: 1, stdout: '', stderr: 'skcomm: no envelope no-such-id in the outbox (E_NOT_FOUND)\n' });
    }
    expect((await skcomm(['outbox', 'show', '--help'], opus)).stdout).toMatch(/or a file transfer\s+\(by its transfer or envelope id\)/);
    expect((await skcomm(['outbox', 'retry', '--help'], opus)).stdout).toMatch(/then every\s+due\s+file\s+transfer/);
    await skcommJson(['outbox', 'purge', '--files'], opus);
  });
});
