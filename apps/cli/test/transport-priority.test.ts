/**
 * Transport priorities from the CLI: without --priority nothing is stored and the
 * transport package's own default applies; an explicit --priority is kept.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skcomm, skcommJson } from './cli.js';

let root: string;
const agent = { home: '', passphrase: 'priority passphrase for tests' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skcomm-cli-priority-'));
  agent.home = join(root, 'home');
  await mkdir(join(root, 'usb'));
  await skcommJson(['init', '--name', 'Prio'], agent);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('skcomm transport priorities', () => {
  it('stores no priority without --priority, and the one given with it', async () => {
    const added = await skcomm(['transport', 'add', 'tcp', '--set', 'listen=127.0.0.1:0'], agent);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("Added transport tcp (@skcomm/transport-tcp), the package's default priority");
    const usb = await skcommJson(['transport', 'add', 'usb', '--package', '@skcomm/transport-file', '--priority', '5', '--set', `root=${join(root, 'usb')}`], agent);
    expect(usb.transport).toMatchObject({ name: 'usb', priority: 5 });

    const listed = await skcommJson(['transport', 'list'], agent);
    expect(listed.transports.map((entry: { name: string }) => entry.name)).toEqual(['usb', 'tcp']);
    expect(listed.transports[0].priority).toBe(5);
    expect(listed.transports[1]).not.toHaveProperty('priority');
  });

  it('lists a stored priority as is, and "default" where the package decides', async () => {
    const listed = await skcomm(['transport', 'list'], agent);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/).slice(0, 2));
    expect(rows).toEqual([
      ['usb', '5'],
      ['tcp', 'default'],
    ]);
  });

  it('routes by the effective priority: the package default (tcp: 20) where none is stored', async () => {
    const status = await skcommJson(['status'], agent);
    expect(status.transports).toEqual([
      expect.objectContaining({ name: 'usb', priority: 5 }),
      expect.objectContaining({ name: 'tcp', priority: 20 }),
    ]);
  });
});
