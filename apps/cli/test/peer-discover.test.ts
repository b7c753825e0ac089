/**
 * `skcomm peer discover`: saved `tailscale status --json` / `netbird status --json` output
 * (the fixtures of @skcomm/transport-tcp), and the tool itself run from PATH (a script
 * standing in for the tailscale binary, which cannot run offline here).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skcomm, skcommJson } from './cli.js';

const fixtures = fileURLToPath(new URL('../../../packages/transport-tcp/test/fixtures/', import.meta.url));
let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'skcomm-discover-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('skcomm peer discover', () => {
  it('lists tailscale peers from a saved status with their suggested tcp address (--json)', async () => {
    const result = await skcommJson(['peer', 'discover', '--network', 'tailscale', '--from-file', join(fixtures, 'tailscale-status.json'), '--port', '7000']);
    expect(result.ok).toBe(true);
    expect(result.candidates.map((candidate: { name: string; tcpAddress: string; online: boolean }) => [candidate.name, candidate.tcpAddress, candidate.online])).toEqual([
      ['Chef’s MacBook Pro', '100.70.9.114:7000', false],
      ['localhost', '100.127.3.250:7000', true],
      ['lumina', '100.88.41.3:7000', true],
    ]);
  });

  it('prints a table of netbird peers read from stdin', async () => {
    const { readFile } = await import('node:fs/promises');
    const result = await skcomm(['peer', 'discover', '--network', 'netbird', '--from-file', '-'], {
      stdin: await readFile(join(fixtures, 'netbird-status.json'), 'utf8'),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^lumina\s+100\.92\.14\.201\s+online\s+--address tcp=100\.92\.14\.201:9999$/m);
    expect(result.stdout).toMatch(/^chefs-laptop\s+100\.92\.201\.9\s+offline/m);
  });

  it('runs `tailscale status --json` from PATH when no file is given', async () => {
    const bin = join(directory, 'bin');
    await import('node:fs/promises').then(({ mkdir }) => mkdir(bin, { recursive: true }));
    const script = join(bin, 'tailscale');
    await writeFile(script, `#!/bin/sh\n[ "$1 $2" = "status --json" ] || exit 3\ncat '${join(fixtures, 'tailscale-status.json')}'\n`);
    await chmod(script, 0o755);
    const result = await skcommJson(['peer', 'discover', '--network', 'tailscale'], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    expect(result.candidates).toHaveLength(3);
  });

  it('fails with one line and a non-zero exit when the tool is missing or the output is not status JSON', async () => {
    const missing = await skcomm(['peer', 'discover', '--network', 'netbird'], { env: { PATH: directory } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/netbird is not installed .*--from-file.*\(E_NOT_FOUND\)\n$/);
    const garbage = join(directory, 'garbage.json');
    await writeFile(garbage, 'tailscale: not logged in');
    const bad = await skcomm(['peer', 'discover', '--network', 'tailscale', '--from-file', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^skcomm: tailscale status: not JSON/);
  });
});
