/**
 * The CLI end to end, as a user runs it: two agents in temporary homes exchange keys
 * and talk over a real shared folder through the file transport.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skcomm, skcommJson } from './cli.js';

/** Envelope files waiting in a recipient's folder (the transport keeps .tmp/.quarantine beside them). */
async function envelopeFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith('.skc.json'));
}

let root: string;
let shared: string;
const opus = { home: '', passphrase: 'opus passphrase for tests' };
const lumina = { home: '', passphrase: 'lumina passphrase for tests' };
let opusFingerprint: string;
let luminaFingerprint: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-e2e-'));
  shared = join(root, 'shared');
  opus.home = join(root, 'opus');
  lumina.home = join(root, 'lumina');
  const [a, b] = await Promise.all([
    skcommJson(['init', '--name', 'Opus', '--email', 'opus@example.org'], opus),
    skcommJson(['init', '--name', 'Lumina', '--email', 'lumina@example.org'], lumina),
  ]);
  opusFingerprint = a.fingerprint;
  luminaFingerprint = b.fingerprint;
  const opusKey = join(root, 'opus.asc');
  const luminaKey = join(root, 'lumina.asc');
  await writeFile(opusKey, (await skcomm(['keys', 'export'], opus)).stdout);
  await writeFile(luminaKey, (await skcomm(['keys', 'export'], lumina)).stdout);
  await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', luminaKey, '--trust', 'trusted'], opus);
  await skcommJson(['keys', 'import', opusKey], lumina); // name taken from the key's user id
  const { mkdir } = await import('node:fs/promises');
  await mkdir(shared);
  await skcommJson(['transport', 'add', 'file', '--set', `root=${shared}`], opus);
  await skcommJson(['transport', 'add', 'file', '--set', `root=${shared}`], lumina);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('skcomm between two agents over a shared folder', () => {
  it('exports an armored public key and lists keys with trust', async () => {
    const exported = await skcomm(['keys', 'export'], opus);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const listed = await skcommJson(['keys', 'list'], lumina);
    expect(listed.keys).toEqual([
      { name: 'Lumina', fingerprint: luminaFingerprint, trust: 'self', revoked: false },
      { name: 'Opus', fingerprint: opusFingerprint, trust: 'verified', revoked: false },
    ]);
  });

  it('sends a signed, encrypted message that the peer receives and verifies', async () => {
    const sent = await skcommJson(['send', '--to', 'Lumina', '--thread', 'plan-7', 'Hello Lumina ☃ from Opus'], opus);
    expect(sent).toMatchObject({ state: 'handed-off', transport: 'file' });
    expect(sent.envelope_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.attempts).toHaveLength(1);

    // Only ciphertext is on the shared folder.
    const [file] = await envelopeFiles(join(shared, luminaFingerprint));
    const onDisk = await readFile(join(shared, luminaFingerprint, file!), 'utf8');
    expect(onDisk).not.toContain('Hello Lumina');
    expect(JSON.parse(onDisk).payload.content_encrypted).toMatch(/^-----BEGIN PGP MESSAGE-----/);

    const received = await skcommJson(['receive'], lumina);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      envelope_id: sent.envelope_id,
      from: { name: 'Opus', fingerprint: opusFingerprint },
      type: 'message',
      content: 'Hello Lumina ☃ from Opus',
      thread_id: 'plan-7',
      verified: true,
      encrypted: true,
      transport: 'file',
    });
    expect(await envelopeFiles(join(shared, luminaFingerprint))).toEqual([]);
    // Marked read: a second receive shows nothing new.
    expect(await skcommJson(['receive'], lumina)).toEqual([]);
  });

  it('reads the message from stdin with "-" and keeps --peek messages unread', async () => {
    await skcommJson(['send', '--to', 'Lumina', '-'], { ...opus, stdin: 'line one\nline two\n' });
    const peeked = await skcommJson(['receive', '--peek'], lumina);
    expect(peeked.map((message: { content: string }) => message.content)).toEqual(['line one\nline two\n']);
    const read = await skcommJson(['receive'], lumina);
    expect(read).toHaveLength(1);
    expect(await skcommJson(['receive'], lumina)).toEqual([]);
  });

  it('sends in the clear only when asked with --open, still signed', async () => {
    await skcommJson(['send', '--to', 'Lumina', '--open', 'public notice'], opus);
    const [file] = await envelopeFiles(join(shared, luminaFingerprint));
    const envelope = JSON.parse(await readFile(join(shared, luminaFingerprint, file!), 'utf8'));
    expect(envelope.payload.content_encrypted).toBeUndefined();
    expect(envelope.payload.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    const [message] = await skcommJson(['receive'], lumina);
    expect(message).toMatchObject({ content: 'public notice', verified: true, encrypted: false });
  });

  it('reports rejected envelopes with their reason and never shows them as messages', async () => {
    await skcommJson(['send', '--to', 'Lumina', 'will be tampered'], opus);
    const [file] = await envelopeFiles(join(shared, luminaFingerprint));
    const path = join(shared, luminaFingerprint, file!);
    const envelope = JSON.parse(await readFile(path, 'utf8'));
    envelope.metadata.urgency = 'critical';
    await writeFile(path, JSON.stringify(envelope));
    const result = await skcomm(['receive', '--json'], lumina);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.stderr).toMatch(/rejected 1 envelope.*\n.*E_SIGNATURE_INVALID/);
    const quarantined = await readdir(join(lumina.home, 'queue', 'quarantine'));
    expect(quarantined.some((name) => name.endsWith('.reason.json'))).toBe(true);
  });

  it('applies a revocation immediately: the revoked peer is rejected', async () => {
    const revoke = await skcommJson(['keys', 'revoke', 'Opus'], lumina);
    expect(revoke.peer).toMatchObject({ name: 'Opus', revoked: true });
    await skcommJson(['send', '--to', 'Lumina', 'after revocation'], opus);
    const result = await skcomm(['receive', '--json'], lumina);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.stderr).toContain('E_KEY_REVOKED');
  });

  it('shows transport health', async () => {
    const status = await skcommJson(['status'], opus);
    expect(status.transports).toEqual([
      expect.objectContaining({ name: 'file', package: '@skcomm/transport-file', state: 'up', last_error: null }),
    ]);
  });
});

describe('skcomm failures: non-zero exit and a one-line reason', () => {
  it('refuses to send to an unknown peer', async () => {
    const human = await skcomm(['send', '--to', 'Nobody', 'hi'], opus);
    expect(human.code).toBe(1);
    expect(human.stderr.trim().split('\n')).toHaveLength(1);
    expect(human.stderr).toMatch(/^skcomm: no peer named "Nobody".*\(E_NOT_FOUND\)/);
    const json = await skcomm(['send', '--to', 'Nobody', 'hi', '--json'], opus);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('refuses a wrong passphrase', async () => {
    const result = await skcomm(['send', '--to', 'Lumina', 'hi', '--json'], { home: opus.home, passphrase: 'wrong' });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('E_PASSPHRASE_WRONG');
  });

  it('asks for a passphrase source when there is none and no terminal', async () => {
    const result = await skcomm(['send', '--to', 'Lumina', 'hi'], { home: opus.home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_PASSPHRASE_REQUIRED');
  });

  it('refuses to initialise a home twice', async () => {
    const result = await skcomm(['init', '--name', 'Opus'], opus);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('E_ALREADY_EXISTS');
  });

  it('names the npm package to install for an unknown transport', async () => {
    const result = await skcomm(['transport', 'add', 'carrier-pigeon'], opus);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/@skcomm\/transport-carrier-pigeon/);
    expect(result.stderr).toContain('E_TRANSPORT_LOAD');
  });

  it('reports a usage error with exit code 2', async () => {
    const result = await skcomm(['send', '--to', 'Lumina', '--mode', 'teleport', 'hi'], opus);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/teleport/);
  });

  it('fails the send when every transport fails, with the report on --json', async () => {
    const home = join(root, 'lonely');
    await skcommJson(['init', '--name', 'Lonely'], { home, passphrase: 'p' });
    await skcommJson(['peer', 'add', '--name', 'Lumina', '--pubkey', join(root, 'lumina.asc')], { home, passphrase: 'p' });
    await skcommJson(['transport', 'add', 'file', '--set', `root=${join(root, 'missing-folder')}`], { home, passphrase: 'p' });
    const result = await skcomm(['send', '--to', 'Lumina', 'hi', '--json'], { home, passphrase: 'p' });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    // Durable in the outbox and retried later: honest state "queued", not "failed".
    expect(report).toMatchObject({ state: 'queued', next_attempt_at: expect.any(String), attempts: [expect.objectContaining({ transport: 'file' })] });
    expect(result.stderr).toMatch(/^skcomm: not sent, every transport failed .*; kept in the outbox, next attempt /);
  });
});

describe('skcomm demo', () => {
  it('runs two agents through a real relay, fails over to the shared folder when it stops, and rejects a forgery', async () => {
    // The demo's own relay must use real CapAuth even when the environment asks for dev auth.
    const result = await skcommJson(['demo'], { env: { SKCOMM_DEV_AUTH: '1' } });
    expect(result.relay).toMatchObject({ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/), auth: 'capauth' });
    type Delivered = { envelope_id: string; transport: string; acked_via: string; state: string; verified: boolean; encrypted: boolean; attempts: Array<{ transport: string; outcome: string }> };
    const delivered: Delivered[] = result.delivered;
    // Received via, and acked via: the relay first, the shared folder once the relay is stopped.
    expect(delivered.map((entry) => [entry.transport, entry.acked_via])).toEqual([
      ['relay', 'relay'],
      ['folder', 'folder'],
      ['folder', 'folder'],
    ]);
    expect(delivered.every((entry) => entry.state === 'delivered' && entry.verified && entry.encrypted)).toBe(true);
    expect(delivered[1]?.envelope_id).toBe(result.relay.stopped_before);
    // The message after the stop tried the relay first and did not get through it.
    const afterStop = delivered[1]?.attempts ?? [];
    expect(afterStop.map((attempt) => attempt.transport)).toEqual(['relay', 'folder']);
    expect(afterStop[0]?.outcome).not.toBe('handed-off');
    expect(result.rejected).toEqual([expect.objectContaining({ code: 'E_SIGNATURE_INVALID', transport: 'folder' })]);
  });
});
