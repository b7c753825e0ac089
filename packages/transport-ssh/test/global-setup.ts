/**
 * A real OpenSSH sshd on 127.0.0.1 (an ephemeral port) for the whole run, with a
 * dedicated test user and fresh host and client keys; always stopped and cleaned up at
 * the end. Tests that take a server down start their own from the same host setup.
 * Fails with the Debian package's name when sshd is not installed.
 */
import type { TestProject } from 'vitest/node';
import { disposeTestSshHost, prepareTestSshHost, startSshd, type TestSshHost } from '../src/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sshHost: TestSshHost;
    sshPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const host = await prepareTestSshHost();
  let sshd;
  try {
    sshd = await startSshd(host);
  } catch (error) {
    await disposeTestSshHost(host);
    throw error;
  }
  project.provide('sshHost', host);
  project.provide('sshPort', sshd.port);
  return async () => {
    await sshd.stop();
    await disposeTestSshHost(host);
  };
}
