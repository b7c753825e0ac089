import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { TransportError, type Logger } from '@skcomm/core';
import { createTestEnvelope, type TestEnvelope } from '@skcomm/compliance-tests';
import { ssh, SshTransportError, type SshFailure, type SshTransport, type SshTransportInit } from '../src/index.js';
import { addressOn, knownHostsLine, makeRemoteDirectory, type TestSshHost } from '../src/testing/index.js';

export const FINGERPRINT_A = 'A1'.repeat(20);
export const FINGERPRINT_B = 'B2'.repeat(20);

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** The run's shared sshd (started by globalSetup). */
export function sharedServer(): { host: TestSshHost; port: number } {
  return { host: inject('sshHost'), port: inject('sshPort') };
}

/** A known_hosts file in the host's private folder listing `port` with the real host key (or `lines` instead). */
export async function knownHostsFile(host: TestSshHost, port: number, lines?: string): Promise<string> {
  const path = join(host.directory, `known_hosts-${randomBytes(4).toString('hex')}`);
  await writeFile(path, lines ?? knownHostsLine(host, port), { mode: 0o600 });
  return path;
}

/** A fresh remote folder `<scratch>/<random>/<fingerprint>` (the parent exists, the inbox does not). */
export async function remoteInbox(host: TestSshHost, fingerprint = FINGERPRINT_B): Promise<string> {
  return join(await makeRemoteDirectory(host), fingerprint);
}

export interface EndpointInit extends Partial<SshTransportInit> {
  pullFolder?: string;
}

/** An SSH transport logging in to `port` as the test user, checking the real host key. */
export async function transportOn(host: TestSshHost, port: number, init: EndpointInit = {}, logger: Logger = recordingLogger()): Promise<SshTransport> {
  const { pullFolder, ...rest } = init;
  const config: SshTransportInit = {
    identity: host.identityPath,
    ...(rest.hostKey === undefined ? { knownHosts: await knownHostsFile(host, port) } : {}),
    ...(pullFolder === undefined ? {} : { pull: addressOn(host, port, pullFolder) }),
    ...rest,
  };
  return ssh(config)({ selfFingerprint: FINGERPRINT_B, logger });
}

export function envelopeFor(to: string = FINGERPRINT_B, init: { totalBytes?: number } = {}): TestEnvelope {
  return createTestEnvelope({ from: FINGERPRINT_A, to, ...init });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but it resolved');
    },
    (error: unknown) => error,
  );
}

/** Asserts `error` is an SshTransportError with this failure and the retryable flag that goes with it. */
export function expectFailure(error: unknown, failure: SshFailure, retryable: boolean): SshTransportError {
  if (!SshTransportError.isSshTransportError(error)) throw new Error(`expected an SshTransportError, got ${String(error)}`);
  if (!TransportError.isTransportError(error)) throw new Error('not a TransportError');
  if (error.failure !== failure || error.retryable !== retryable) {
    throw new Error(`expected ${failure} (retryable ${retryable}), got ${error.failure} (retryable ${error.retryable}): ${error.message}`);
  }
  return error;
}

export { addressOn };
