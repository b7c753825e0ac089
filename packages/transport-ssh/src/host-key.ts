/**
 * Host-key checking: the server must present a key that known_hosts lists for it, or
 * whose SHA256 fingerprint was pinned in the config. An unknown, changed or revoked key
 * is refused with a non-retryable error. Trust on first use only when configured, and
 * then only for a host with no entry at all: a changed key is refused all the same.
 */
import type { Logger } from '@skcomm/core';
import { sshError, type SshTransportError } from './errors.js';
import { hostKeyFingerprint, keyTypeOfBlob } from './key-blob.js';
import { judgeHostKey, knownKeyTypes, readKnownHosts, recordHostKey } from './known-hosts.js';

export type HostKeyPolicy =
  | { kind: 'pinned'; fingerprint: string }
  | { kind: 'known-hosts'; path: string; trustOnFirstUse: boolean };

export interface HostKeyCheck {
  policy: HostKeyPolicy;
  host: string;
  port: number;
  endpoint: string;
  transport: string;
  logger: Logger;
}

/** Undefined when the key is acceptable; otherwise the error to fail the connection with. */
export async function checkHostKey(check: HostKeyCheck, blob: Buffer): Promise<SshTransportError | undefined> {
  const { policy, endpoint, transport } = check;
  const fingerprint = hostKeyFingerprint(blob);
  const type = keyTypeOfBlob(blob) ?? 'unknown type';
  if (policy.kind === 'pinned') {
    if (fingerprint === policy.fingerprint) return undefined;
    return sshError(
      transport,
      'host-key-changed',
      `${endpoint} presented host key ${type} ${fingerprint}, not the pinned ${policy.fingerprint}: refusing (a reinstalled server, or someone in the middle)`,
    );
  }
  let verdict;
  try {
    verdict = judgeHostKey(await readKnownHosts(policy.path), check.host, check.port, blob);
  } catch (error) {
    return sshError(transport, 'host-key-unknown', `cannot read known_hosts ${policy.path}: ${(error as Error).message}`, error);
  }
  switch (verdict.outcome) {
    case 'known':
      return undefined;
    case 'revoked':
      return sshError(transport, 'host-key-revoked', `${endpoint} presented host key ${type} ${fingerprint}, which ${policy.path} marks @revoked`);
    case 'changed':
      return sshError(
        transport,
        'host-key-changed',
        `${endpoint} presented host key ${type} ${fingerprint}, but ${policy.path} lists other keys for it (${verdict.knownTypes.join(', ')}): ` +
          'refusing (a reinstalled server, or someone in the middle); if the change is expected, fix the entry in known_hosts',
      );
    case 'unknown':
      if (!policy.trustOnFirstUse) {
        return sshError(
          transport,
          'host-key-unknown',
          `${endpoint} presented host key ${type} ${fingerprint}, which ${policy.path} does not list: refusing. ` +
            'Check the fingerprint with the server admin, then add it (ssh-keyscan) or pin it with hostKey=',
        );
      }
      try {
        await recordHostKey(policy.path, check.host, check.port, blob);
      } catch (error) {
        return sshError(transport, 'host-key-unknown', `cannot record the host key in ${policy.path}: ${(error as Error).message}`, error);
      }
      check.logger.warn('ssh transport: trusted a new host key on first use', { transport, endpoint, fingerprint, knownHosts: policy.path });
      return undefined;
  }
}

const ALGORITHMS_OF_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256'],
};
const DEFAULT_HOST_KEY_ALGORITHMS = Object.values(ALGORITHMS_OF_KEY_TYPE).flat();

/**
 * The host-key algorithms to offer, those known_hosts holds for this host first (as
 * OpenSSH's client does): a server with several host keys then shows the one we know.
 */
export async function hostKeyAlgorithms(policy: HostKeyPolicy, host: string, port: number): Promise<string[]> {
  if (policy.kind === 'pinned') return DEFAULT_HOST_KEY_ALGORITHMS;
  const known = knownKeyTypes(await readKnownHosts(policy.path).catch(() => ({ entries: [], skippedLines: 0 })), host, port);
  const first = known.flatMap((type) => ALGORITHMS_OF_KEY_TYPE[type] ?? []);
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ALGORITHMS])];
}
