/**
 * Interop with Debian's netcat-openbsd: `nc -N host port < envelope.json` delivers (`-N`
 * half-closes after the file, which the listener needs to know the sender is done;
 * without it, nc never closes), and nc prints the hop ack. And the reverse: our sender
 * against `nc -l`, which receives the exact frame bytes.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TcpTransport } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_B, freePort, splitAddress, startedTransport, tcpTransport, text, until } from './support.js';

function requireNetcat(): string {
  const probe = spawnSync('nc', ['-h'], { encoding: 'utf8' });
  if (probe.error !== undefined || !`${probe.stderr}${probe.stdout}`.includes('OpenBSD netcat')) {
    throw new Error('`nc` from the Debian package netcat-openbsd is required for these tests (apt-get install netcat-openbsd)');
  }
  return 'nc';
}

function netcatSend(address: string, file: string): Promise<{ stdout: string; code: number | null }> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const child = execFile('sh', ['-c', `nc -N -w 5 "$0" "$1" < "$2"`, host, String(port), file], { timeout: 10_000 }, (error, stdout) => {
      if (error !== null && error.code === undefined) return reject(error);
      resolve({ stdout, code: child.exitCode });
    });
  });
}

let directory = '';
let transport: TcpTransport;

beforeAll(async () => {
  requireNetcat();
  directory = await mkdtemp(join(tmpdir(), 'skcomm-tcp-nc-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

afterEach(async () => {
  await transport?.stop();
});

describe('netcat-openbsd -> tcp listener', () => {
  it('`nc -N host port < envelope.json` delivers a compact one-line envelope, byte-exact, and prints OK 1', async () => {
    transport = await startedTransport();
    const bytes = envelopeBytes('nc-compact');
    const file = join(directory, 'compact.json');
    await writeFile(file, `${text(bytes)}\n`);
    const result = await netcatSend(transport.address, file);
    expect(result.stdout).toBe('OK 1\n');
    const received = await transport.receive();
    expect(received.map((envelope) => text(envelope.bytes))).toEqual([text(bytes)]);
  });

  it('delivers a pretty-printed envelope file without a trailing newline', async () => {
    transport = await startedTransport();
    const document = JSON.stringify(JSON.parse(text(envelopeBytes('nc-pretty'))), null, 2);
    const file = join(directory, 'pretty.json');
    await writeFile(file, document);
    expect((await netcatSend(transport.address, file)).stdout).toBe('OK 1\n');
    expect((await transport.receive()).map((envelope) => text(envelope.bytes))).toEqual([document]);
  });

  it('delivers several envelopes from one file, one ack each', async () => {
    transport = await startedTransport();
    const lines = ['a', 'b', 'c'].map((id) => text(envelopeBytes(`nc-${id}`)));
    const file = join(directory, 'several.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    expect((await netcatSend(transport.address, file)).stdout).toBe('OK 1\nOK 2\nOK 3\n');
    expect((await transport.receive()).map((envelope) => text(envelope.bytes))).toEqual(lines);
  });

  it('prints the refusal for a file that is not JSON, and the listener keeps serving', async () => {
    transport = await startedTransport();
    const file = join(directory, 'garbage.txt');
    await writeFile(file, 'hello there\n');
    expect((await netcatSend(transport.address, file)).stdout).toMatch(/^ERR not-json-object 1 /);
    const good = join(directory, 'good.json');
    await writeFile(good, `${text(envelopeBytes('after-garbage'))}\n`);
    expect((await netcatSend(transport.address, good)).stdout).toBe('OK 1\n');
  });
});

describe('tcp sender -> `nc -l`', () => {
  it('writes the envelope as one line that nc prints; without an ack the send times out as retryable', async () => {
    transport = tcpTransport({ ackTimeoutMs: 300 });
    const port = await freePort();
    const listener = spawn('nc', ['-l', '127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    listener.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    try {
      const bytes = envelopeBytes('to-nc');
      await until(async () => {
        try {
          await transport.send(bytes, { fingerprint: FINGERPRINT_B, address: `127.0.0.1:${port}` });
          return true;
        } catch (error) {
          // Refused while nc is still starting; the ack timeout once it listens.
          return /no hop ack/.test((error as Error).message);
        }
      }, 'nc to receive the frame');
      await until(() => printed.includes('\n'), 'nc to print the frame');
      expect(printed).toBe(`${text(bytes)}\n`);
    } finally {
      listener.kill();
    }
  });
});
