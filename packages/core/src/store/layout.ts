/**
 * Where everything lives in a home directory (DESIGN §6): `$SKCOMM_HOME` or `~/.skcomm`.
 * Pure path computation; nothing here touches the disk.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomeLayout {
  home: string;
  configFile: string;
  identityDir: string;
  privateKeyFile: string;
  publicKeyFile: string;
  fingerprintFile: string;
  peersDir: string;
  transportsDir: string;
  queueDir: string;
  outboxDir: string;
  inboxDir: string;
  quarantineDir: string;
  /** Receive state: the replay store lives here. */
  stateDir: string;
  replayLogFile: string;
  /** Held by the one daemon of this home: its pid. */
  daemonLockFile: string;
  /** Per-transport health as the router last saw it (consecutive failures, cooldown, last error). */
  transportStateFile: string;
  /** One private folder per configured transport (its keys, cursors, spool): `<this>/<name>/`. */
  transportsStateDir: string;
  logsDir: string;
  transportLogFile: string;
  pluginsDir: string;
}

export function resolveHome(env: Record<string, string | undefined> = process.env): string {
  const configured = env.SKCOMM_HOME;
  return configured !== undefined && configured !== '' ? resolve(configured) : join(homedir(), '.skcomm');
}

export function homeLayout(home: string): HomeLayout {
  const root = resolve(home);
  const identityDir = join(root, 'identity');
  const queueDir = join(root, 'queue');
  const stateDir = join(root, 'state');
  const logsDir = join(root, 'logs');
  return {
    home: root,
    configFile: join(root, 'config.yml'),
    identityDir,
    privateKeyFile: join(identityDir, 'private.asc'),
    publicKeyFile: join(identityDir, 'public.asc'),
    fingerprintFile: join(identityDir, 'fingerprint'),
    peersDir: join(root, 'peers'),
    transportsDir: join(root, 'transports'),
    queueDir,
    outboxDir: join(queueDir, 'outbox'),
    inboxDir: join(queueDir, 'inbox'),
    quarantineDir: join(queueDir, 'quarantine'),
    stateDir,
    replayLogFile: join(stateDir, 'seen.log'),
    daemonLockFile: join(stateDir, 'daemon.lock'),
    transportStateFile: join(stateDir, 'transports.json'),
    transportsStateDir: join(stateDir, 'transports'),
    logsDir,
    transportLogFile: join(logsDir, 'transport.log'),
    pluginsDir: join(root, 'plugins'),
  };
}
