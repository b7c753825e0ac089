/**
 * The real GnuPG binary in a throwaway home, offline: no key lookups, no keyservers,
 * loopback pinentry. Every call is `--batch` with status lines on stderr.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OFFLINE_OPTIONS = ['--batch', '--pinentry-mode', 'loopback', '--trust-model', 'always', '--auto-key-locate', 'clear,local', '--no-auto-key-retrieve'];

export interface GpgResult {
  stdout: string;
  /** `[GNUPG:] ...` status lines, without the prefix. */
  status: string[];
  stderr: string;
}

export class Gpg {
  private constructor(readonly home: string) {}

  /** Fails with a clear message when gpg is missing: these tests must run, not skip. */
  static async create(): Promise<Gpg> {
    try {
      execFileSync('gpg', ['--version'], { stdio: 'pipe' });
    } catch (cause) {
      throw new Error('GnuPG is required for the interop tests but `gpg` is not on PATH: install gnupg (apt-get install gnupg)', { cause });
    }
    return new Gpg(await mkdtemp(join(tmpdir(), 'skcomm-gpg-')));
  }

  run(args: string[]): Promise<GpgResult> {
    return new Promise((resolve, reject) => {
      execFile('gpg', ['--homedir', this.home, ...OFFLINE_OPTIONS, '--status-fd', '2', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
        const status = stderr
          .split('\n')
          .filter((line) => line.startsWith('[GNUPG:] '))
          .map((line) => line.slice('[GNUPG:] '.length));
        if (error) reject(new Error(`gpg ${args.join(' ')} failed: ${stderr}`, { cause: error }));
        else resolve({ stdout, status, stderr });
      });
    });
  }

  /** Primary fingerprint of the only key matching `userId`. */
  async fingerprintOf(userId: string): Promise<string> {
    const { stdout } = await this.run(['--with-colons', '--list-keys', userId]);
    const line = stdout.split('\n').find((entry) => entry.startsWith('fpr:'));
    if (line === undefined) throw new Error(`gpg has no key for ${userId}`);
    return line.split(':')[9]!;
  }

  async close(): Promise<void> {
    try {
      execFileSync('gpgconf', ['--homedir', this.home, '--kill', 'gpg-agent'], { stdio: 'pipe' });
    } finally {
      await rm(this.home, { recursive: true, force: true });
    }
  }
}
