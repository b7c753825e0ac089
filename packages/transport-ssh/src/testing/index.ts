/**
 * @skcomm/transport-ssh/testing: a real OpenSSH sshd on 127.0.0.1 for tests and
 * benchmarks (root and the Debian package openssh-server needed). Not for production.
 */
export { startSshd, type SshdProcess, type StartSshdOptions } from './sshd-process.js';
export {
  addressOn,
  DEFAULT_TEST_USER,
  disposeTestSshHost,
  knownHostsLine,
  makeRemoteDirectory,
  prepareTestSshHost,
  TestSshSetupError,
  type PrepareTestSshHostOptions,
  type TestSshHost,
} from './test-ssh-host.js';
