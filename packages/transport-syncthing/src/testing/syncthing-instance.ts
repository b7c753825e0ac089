/**
 * Starts a real Syncthing on loopback for tests and benchmarks, with everything that
 * could talk off the machine switched off in config.xml before its first start: global
 * and local discovery (local announce broadcasts), relays, NAT traversal (UPnP and
 * STUN), usage and crash reporting, upgrades. It listens on tcp://127.0.0.1:<port> only.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;

export interface SyncthingInstance {
  readonly home: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly apiKeyFile: string;
  readonly syncPort: number;
  readonly deviceId: string;
  readonly running: boolean;
  /** Starts the process again with the same home (config, keys, database). */
  start(): Promise<void>;
  /** SIGTERM to the monitor process, which stops the real one too; resolves once it exited. */
  stop(): Promise<void>;
  /** GET or POST to the REST API, JSON in and out. */
  rest(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<unknown>;
}

/** Fails with the Debian package to install when the binary is missing. */
export async function requireSyncthing(): Promise<string> {
  try {
    const { stdout } = await run('syncthing', ['--version']);
    return stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('syncthing is not installed: these tests need two real Syncthing instances. Install the Debian package: apt-get install syncthing');
    }
    throw error;
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Everything off-box off, loopback only. Each replacement must match, so a changed default fails loudly. */
function offlineConfig(xml: string, guiPort: number, syncPort: number, apiKey: string): string {
  const replacements: [RegExp, string][] = [
    [/<listenAddress>default<\/listenAddress>/, `<listenAddress>tcp://127.0.0.1:${syncPort}</listenAddress>`],
    [/<globalAnnounceEnabled>true</, '<globalAnnounceEnabled>false<'],
    [/<localAnnounceEnabled>true</, '<localAnnounceEnabled>false<'],
    [/<relaysEnabled>true</, '<relaysEnabled>false<'],
    [/<natEnabled>true</, '<natEnabled>false<'],
    [/<startBrowser>true</, '<startBrowser>false<'],
    [/<urAccepted>0</, '<urAccepted>-1<'],
    [/<autoUpgradeIntervalH>12</, '<autoUpgradeIntervalH>0<'],
    [/<crashReportingEnabled>true</, '<crashReportingEnabled>false<'],
    [/<stunKeepaliveStartS>180</, '<stunKeepaliveStartS>0<'],
    [/<announceLANAddresses>true</, '<announceLANAddresses>false<'],
    [/<setLowPriority>true</, '<setLowPriority>false<'],
    // Redial a lost peer within a second (default 60 s), so a test that takes a peer away and back is quick.
    [/<reconnectionIntervalS>60</, '<reconnectionIntervalS>1<'],
    [/<address>127\.0\.0\.1:8384</, `<address>127.0.0.1:${guiPort}<`],
    [/<apikey>[^<]*</, `<apikey>${apiKey}<`],
  ];
  return replacements.reduce((text, [pattern, replacement]) => {
    if (!pattern.test(text)) throw new Error(`syncthing config.xml: ${pattern} not found; refusing to start a possibly non-offline instance`);
    return text.replace(pattern, replacement);
  }, xml);
}

/** Generates a home in `home` and starts Syncthing in it, ready to answer REST calls. */
export async function startSyncthing(home: string): Promise<SyncthingInstance> {
  await requireSyncthing();
  await run('syncthing', ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing']);
  const guiPort = await freePort();
  const syncPort = await freePort();
  const apiKey = randomBytes(24).toString('hex');
  const configPath = join(home, 'config.xml');
  await writeFile(configPath, offlineConfig(await readFile(configPath, 'utf8'), guiPort, syncPort, apiKey));
  const apiKeyFile = join(home, 'api-key');
  await writeFile(apiKeyFile, `${apiKey}\n`, { mode: 0o600 });
  const apiUrl = `http://127.0.0.1:${guiPort}`;

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(apiUrl + path, {
      method,
      headers: { 'X-API-Key': apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`syncthing ${method} ${path}: HTTP ${response.status} ${text.trim()}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  async function start(): Promise<void> {
    if (child !== undefined) return;
    const log = createWriteStream(join(home, 'syncthing.log'), { flags: 'a' });
    const process_ = spawn('syncthing', ['serve', `--home=${home}`, '--no-browser', '--no-restart', '--no-upgrade'], {
      env: { ...process.env, STNORESTART: '1', STNOUPGRADE: '1', STNODEFAULTFOLDER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process_.stdout?.pipe(log);
    process_.stderr?.pipe(log);
    child = process_;
    exited = new Promise((resolve) =>
      process_.once('exit', () => {
        child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child === undefined) throw new Error(`syncthing exited during startup; see ${join(home, 'syncthing.log')}`);
      try {
        await rest('GET', '/rest/system/ping');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`syncthing did not answer on ${apiUrl} within ${READY_TIMEOUT_MS} ms`, { cause: error });
        }
        await sleep(50);
      }
    }
  }

  async function stop(): Promise<void> {
    child?.kill('SIGTERM');
    await exited;
  }

  await start();
  const status = (await rest('GET', '/rest/system/status')) as { myID: string };
  return {
    home,
    apiUrl,
    apiKey,
    apiKeyFile,
    syncPort,
    deviceId: status.myID,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    rest,
  };
}
