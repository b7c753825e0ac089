/**
 * One authenticated SSH connection with one SFTP channel. Key-based login only (no
 * password, no keyboard-interactive, no agent), and the host key checked before
 * authentication (see host-key.ts).
 */
import ssh2, { type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import type { Logger } from '@skcomm/core';
import { endpointOf, type SshAddress } from './address.js';
import { fromConnectError, sshError, type SshTransportError } from './errors.js';
import { checkHostKey, hostKeyAlgorithms, type HostKeyPolicy } from './host-key.js';
import { RemoteFiles } from './remote-files.js';

const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;

export interface ConnectSettings {
  identity: Buffer;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  transport: string;
  logger: Logger;
}

export interface SshConnection {
  readonly endpoint: string;
  readonly files: RemoteFiles;
  /** Remote folders already checked to be real directories on this connection. */
  readonly verifiedDirectories: Set<string>;
  /** Open handles on remote folders, to fsync them after a rename (undefined: the server would not open it). */
  readonly directoryHandles: Map<string, Promise<Buffer | undefined>>;
  isClosed(): boolean;
  onClose(listener: () => void): void;
  close(): void;
}

export type SshEndpoint = Pick<SshAddress, 'user' | 'host' | 'port'>;

export async function openConnection(target: SshEndpoint, settings: ConnectSettings): Promise<SshConnection> {
  const endpoint = endpointOf(target);
  const client = new ssh2.Client();
  let hostKeyRefusal: SshTransportError | undefined;

  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey: settings.identity,
    tryKeyboard: false,
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    algorithms: { serverHostKey: (await hostKeyAlgorithms(settings.hostKeyPolicy, target.host, target.port)) as ServerHostKeyAlgorithm[] },
    hostVerifier: (key: Buffer, verify: (accept: boolean) => void) => {
      const check = { policy: settings.hostKeyPolicy, host: target.host, port: target.port, endpoint, transport: settings.transport, logger: settings.logger };
      checkHostKey(check, key).then(
        (refusal) => {
          hostKeyRefusal = refusal;
          verify(refusal === undefined);
        },
        (error: unknown) => {
          hostKeyRefusal = sshError(settings.transport, 'host-key-unknown', `${endpoint}: cannot check the host key: ${String(error)}`, error);
          verify(false);
        },
      );
    },
  };

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      // A failed handshake can emit more errors (a timeout, then the lost socket): only the first counts.
      if (settled) return;
      settled = true;
      client.end();
      reject(hostKeyRefusal ?? fromConnectError(error, settings.transport, endpoint));
    };
    client.once('ready', () => {
      settled = true;
      client.removeListener('close', onClose);
      resolve();
    });
    const onClose = () => fail(new Error('the connection closed during the handshake'));
    client.on('error', fail);
    client.on('close', onClose);
    client.connect(config);
    // Without it, Nagle's algorithm and delayed ACKs stall each small SFTP request for ~40 ms.
    client.setNoDelay(true);
  });

  let sftp: ssh2.SFTPWrapper;
  try {
    sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) => {
      const timer = setTimeout(() => reject(sshError(settings.transport, 'timeout', `${endpoint}: no SFTP channel within ${settings.operationTimeoutMs} ms`)), settings.operationTimeoutMs);
      client.sftp((error, channel) => {
        clearTimeout(timer);
        if (error) reject(sshError(settings.transport, 'protocol', `${endpoint}: the server offers no SFTP subsystem (${error.message})`, error));
        else resolve(channel);
      });
    });
  } catch (error) {
    client.end();
    throw error;
  }

  let closed = false;
  const closeListeners: Array<() => void> = [];
  const markClosed = () => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners) listener();
  };
  const close = () => {
    markClosed();
    client.end();
    // end() waits for the server; a wedged connection would never answer.
    setTimeout(() => client.destroy(), 1000).unref();
  };
  client.on('error', (error) => settings.logger.debug('ssh transport: connection error', { transport: settings.transport, endpoint, error: error.message }));
  client.on('close', markClosed);
  sftp.on('close', close);

  return {
    endpoint,
    files: new RemoteFiles(sftp, { timeoutMs: settings.operationTimeoutMs, transport: settings.transport, endpoint, onTimeout: close }),
    verifiedDirectories: new Set(),
    directoryHandles: new Map(),
    isClosed: () => closed,
    onClose: (listener) => closeListeners.push(listener),
    close,
  };
}
