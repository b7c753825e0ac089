/**
 * A real OpenSSH server for tests and benchmarks, set up the way
 * notes/feasibility-servers.md §2 does it: a dedicated login user with a locked password
 * (`usermod -p '*'`), fresh ed25519 host and client keys in a private temp folder, an
 * authorized-keys file of its own under the user's home (StrictModes refuses /tmp paths),
 * and an sshd_config that allows public-key SFTP and nothing else.
 *
 * Needs root (sshd switches users) and the Debian package openssh-server. Everything it
 * creates is removed by disposeTestSshHost() except the user account, which is kept for
 * the next run.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, constants, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { hostKeyFingerprint, publicKeyBlob } from '../key-blob.js';

const run = promisify(execFile);

export const DEFAULT_TEST_USER = 'skcomm-test';
const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'];
/** Debian's compiled-in privilege separation directory, normally made by the init script. */
const PRIVILEGE_SEPARATION_DIRECTORY = '/run/sshd';

/** Plain data (it crosses from vitest's globalSetup to the test workers). */
export interface TestSshHost {
  /** Private temp folder: keys, sshd_config, logs. */
  directory: string;
  user: string;
  uid: number;
  gid: number;
  home: string;
  /** A folder in the user's home, owned by the user, removed by disposeTestSshHost(). */
  scratch: string;
  sshdPath: string;
  configPath: string;
  /** The client's private key (OpenSSH format, mode 0600), authorized for `user`. */
  identityPath: string;
  /** `ssh-ed25519 AAAA...` */
  hostPublicKey: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  authorizedKeysPath: string;
}

export class TestSshSetupError extends Error {
  override name = 'TestSshSetupError';
}

export interface PrepareTestSshHostOptions {
  user?: string;
}

export async function prepareTestSshHost(options: PrepareTestSshHostOptions = {}): Promise<TestSshHost> {
  const user = options.user ?? DEFAULT_TEST_USER;
  if (process.getuid?.() !== 0) {
    throw new TestSshSetupError(
      'the SSH tests start a real OpenSSH sshd, which must run as root (it switches to the test user); run them as root, as CI does',
    );
  }
  const sshdPath = await findSshd();
  await mkdir(PRIVILEGE_SEPARATION_DIRECTORY, { recursive: true, mode: 0o755 });
  const account = await ensureUser(user);

  const directory = await mkdtemp(join(tmpdir(), 'skcomm-sshd-'));
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
  const clientKey = ssh2.utils.generateKeyPairSync('ed25519');
  const hostKeyPath = join(directory, 'host_ed25519');
  const identityPath = join(directory, 'client_ed25519');
  // sshd refuses a host key readable by others, and so does the transport for an identity.
  await writeFile(hostKeyPath, hostKey.private, { mode: 0o600 });
  await writeFile(identityPath, clientKey.private, { mode: 0o600 });

  const runId = randomBytes(6).toString('hex');
  const sshDirectory = join(account.home, '.ssh');
  await mkdir(sshDirectory, { recursive: true, mode: 0o700 });
  await chown(sshDirectory, account.uid, account.gid);
  await chmod(sshDirectory, 0o700);
  // One keys file per host, so concurrent runs (tests and a benchmark) never clobber each other.
  const authorizedKeysPath = join(sshDirectory, `skcomm-test-${runId}.keys`);
  await writeFile(authorizedKeysPath, `restrict ${clientKey.public.trim()}\n`, { mode: 0o600 });
  await chown(authorizedKeysPath, account.uid, account.gid);

  const scratch = join(account.home, `skcomm-run-${runId}`);
  await mkdir(scratch, { mode: 0o755 });
  await chown(scratch, account.uid, account.gid);

  const configPath = join(directory, 'sshd_config');
  await writeFile(configPath, sshdConfig({ user, hostKeyPath, directory, authorizedKeysName: `.ssh/skcomm-test-${runId}.keys` }));

  const blob = publicKeyBlob(hostKey.public);
  return {
    directory,
    user,
    uid: account.uid,
    gid: account.gid,
    home: account.home,
    scratch,
    sshdPath,
    configPath,
    identityPath,
    hostPublicKey: hostKey.public.trim().split(/\s+/).slice(0, 2).join(' '),
    hostKeyFingerprint: hostKeyFingerprint(blob),
    authorizedKeysPath,
  };
}

/** Removes the temp folder, the authorized-keys file and the scratch folder. Keeps the user. */
export async function disposeTestSshHost(host: TestSshHost): Promise<void> {
  await rm(host.authorizedKeysPath, { force: true });
  await rm(host.scratch, { recursive: true, force: true });
  await rm(host.directory, { recursive: true, force: true });
}

/** A fresh folder under the host's scratch folder, owned by the test user. Returns its absolute path. */
export async function makeRemoteDirectory(host: TestSshHost, name = randomBytes(6).toString('hex')): Promise<string> {
  const path = join(host.scratch, name);
  await mkdir(path, { mode: 0o755 });
  await chown(path, host.uid, host.gid);
  return path;
}

/** The known_hosts line for this host on `port`. */
export function knownHostsLine(host: TestSshHost, port: number): string {
  return `[127.0.0.1]:${port} ${host.hostPublicKey}\n`;
}

/** The transport address of a folder on this host: `user@127.0.0.1:port:/path`. */
export function addressOn(host: TestSshHost, port: number, path: string): string {
  return `${host.user}@127.0.0.1:${port}:${path}`;
}

function sshdConfig(settings: { user: string; hostKeyPath: string; directory: string; authorizedKeysName: string }): string {
  return [
    // The port comes from `sshd -p`; ListenAddress without a port uses it.
    'ListenAddress 127.0.0.1',
    `HostKey ${settings.hostKeyPath}`,
    `PidFile ${join(settings.directory, 'sshd.pid')}`,
    `AuthorizedKeysFile ${settings.authorizedKeysName}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${settings.user}`,
    'UsePAM no',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PermitTTY no',
    'Subsystem sftp internal-sftp',
    'ForceCommand internal-sftp',
    // Many short test connections from one address must never be throttled.
    'MaxStartups 100',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

async function findSshd(): Promise<string> {
  for (const candidate of SSHD_CANDIDATES) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Try the next place.
    }
  }
  throw new TestSshSetupError(
    `sshd not found (looked in ${SSHD_CANDIDATES.join(', ')}): install the Debian package openssh-server (apt-get install -y openssh-server)`,
  );
}

async function ensureUser(user: string): Promise<{ uid: number; gid: number; home: string }> {
  if ((await lookUpUser(user)) === undefined) {
    try {
      await run('useradd', ['--create-home', '--shell', '/usr/sbin/nologin', user]);
    } catch (error) {
      throw new TestSshSetupError(`cannot create the test user ${user} with useradd: ${(error as Error).message}`);
    }
  }
  // useradd leaves the password field '!', and sshd refuses locked accounts even for keys.
  await run('usermod', ['-p', '*', user]);
  const account = await lookUpUser(user);
  if (account === undefined) throw new TestSshSetupError(`the test user ${user} does not exist after useradd`);
  return account;
}

async function lookUpUser(user: string): Promise<{ uid: number; gid: number; home: string } | undefined> {
  try {
    const { stdout } = await run('getent', ['passwd', user]);
    const fields = stdout.trim().split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' };
  } catch {
    return undefined;
  }
}
