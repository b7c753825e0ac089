/**
 * Starts and stops a real sshd for a TestSshHost. stop() ends the listener AND the
 * per-connection processes it forked (OpenSSH keeps existing sessions alive when only
 * the listener dies, and each session calls setsid(), so neither a process-group kill nor
 * killing the listener would cut them): afterwards the server is really gone, as when
 * the remote host goes down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestSshSetupError, type TestSshHost } from './test-ssh-host.js';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LIMIT = 64 * 1024;

export interface SshdProcess {
  readonly port: number;
  /** The last 64 KiB of sshd's own log (stderr), for failure messages. */
  log(): string;
  /** Ends the listener and every session it started. Idempotent. */
  stop(): Promise<void>;
  /** Starts again on the same port (after stop()). */
  start(): Promise<void>;
}

export interface StartSshdOptions {
  /** Default: a free ephemeral port. */
  port?: number;
}

export async function startSshd(host: TestSshHost, options: StartSshdOptions = {}): Promise<SshdProcess> {
  // An ephemeral port is found free and then bound by sshd: another process may take it in between, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const server = new SshdServer(host, port);
    try {
      await server.start();
      return server;
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !server.log().includes('Address already in use')) throw error;
    }
  }
}

class SshdServer implements SshdProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    private readonly host: TestSshHost,
    readonly port: number,
  ) {}

  log(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) return;
    // -D: stay in the foreground; -e: log to stderr. sshd must be started by its absolute path (it re-executes itself).
    const child = spawn(this.host.sshdPath, ['-D', '-e', '-f', this.host.configPath, '-p', String(this.port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    const listening = `Server listening on 127.0.0.1 port ${this.port}`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`sshd did not start listening within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        this.child = undefined;
        reject(new TestSshSetupError(`${why} (port ${this.port}); its log:\n${this.output.trim() || '(empty)'}`));
      };
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        this.output = (this.output + chunk).slice(-LOG_LIMIT);
        if (this.output.includes(listening)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => fail(`cannot run ${this.host.sshdPath}: ${error.message}; install the Debian package openssh-server`));
      child.once('exit', (code, signal) => fail(`sshd exited (${signal ?? `code ${code}`}) before listening`));
    });
    child.removeAllListeners('exit');
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return;
    this.child = undefined;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    // Frozen, the listener forks no new session while its children are collected.
    signal(child.pid, 'SIGSTOP');
    const sessions = await descendantsOf(child.pid);
    signal(child.pid, 'SIGKILL');
    for (const pid of sessions) signal(pid, 'SIGKILL');
    await exited;
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Date.now() < deadline && (await anyAlive(sessions))) await sleep(10);
  }
}

/** Every process below `root`, found through /proc (each session is a child of the listener, its worker a grandchild). */
async function descendantsOf(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = await parentOf(Number(entry));
    if (parent !== undefined) parents.set(Number(entry), parent);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    for (const [pid, parent] of parents) {
      if (parent === current) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Field 4 of /proc/PID/stat; the command name (field 2) may contain spaces, so parse after its ')'. */
async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

async function anyAlive(pids: readonly number[]): Promise<boolean> {
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // A zombie (state Z) is dead; PID 1 reaps it when it gets round to it.
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') return true;
    } catch {
      // Gone.
    }
  }
  return false;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
