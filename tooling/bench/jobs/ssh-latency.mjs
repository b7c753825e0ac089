/**
 * Latency per envelope over SFTP, one at a time, against a real OpenSSH sshd on
 * 127.0.0.1 started by the job (a dedicated test user and fresh keys, as in the
 * transport's tests; needs root and the Debian package openssh-server). Two variants on
 * one already-authenticated connection each, measured the same way in the same kind of
 * process:
 *
 *   variant "skcomm": @skcomm/transport-ssh send(): temp file in .tmp/, write, fsync,
 *     then close + rename into place + fsync of the folder sent together (pooled connection).
 *   variant "raw-atomic": bare ssh2 doing the same SFTP work by hand (open a temp name,
 *     write, fsync@openssh.com, close, posix-rename@openssh.com, fsync of an open handle
 *     on the folder), one request at a time.
 *   variant "raw": bare ssh2 sftp.writeFile() of the same bytes to a fresh name (open,
 *     write, close; no fsync, no rename).
 * Both raw variants set the same TCP_NODELAY the transport sets (without it every small
 * SFTP request waits ~40 ms for Nagle's algorithm and delayed ACKs).
 *
 * Reports the median (p50) in ms plus p95/min/max. No target (the issue asks for the
 * figures). Needs packages/transport-ssh/dist (pnpm build).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { body1KiB, FINGERPRINT_A, FINGERPRINT_B, opaqueEnvelope, params, report, run, sampleMs, silentLogger } from './lib.mjs';

const PACKAGE = new URL('../../../packages/transport-ssh/', import.meta.url);
const { hostKeyFingerprint, ssh } = await import(new URL('dist/index.js', PACKAGE).href);
const testing = await import(new URL('dist/testing/index.js', PACKAGE).href);
// ssh2 as the transport resolves it: the same version, without a dependency of the bench on it.
const ssh2 = createRequire(new URL('package.json', PACKAGE))('ssh2');

const MIN_SAMPLES = 20;
const content = body1KiB();
const envelope = () => opaqueEnvelope(content);

async function skcommVariant(host, port, knownHosts, folder) {
  const transport = ssh({ identity: host.identityPath, knownHosts })({ selfFingerprint: FINGERPRINT_A, logger: silentLogger });
  await transport.start();
  const address = testing.addressOn(host, port, folder);
  const once = async () => {
    const bytes = envelope();
    const started = performance.now();
    await transport.send(bytes, { fingerprint: FINGERPRINT_B, address });
    return performance.now() - started;
  };
  return { once, close: () => transport.stop() };
}

async function rawVariant(variant, host, port, folder) {
  const client = new ssh2.Client();
  const hostKey = host.hostKeyFingerprint;
  await new Promise((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port,
      username: host.user,
      privateKey: readFileSync(host.identityPath),
      hostVerifier: (key) => hostKeyFingerprint(key) === hostKey,
    });
    client.setNoDelay(true);
  });
  const sftp = await new Promise((resolve, reject) => client.sftp((error, channel) => (error ? reject(error) : resolve(channel))));
  const call = (method, ...args) => new Promise((resolve, reject) => sftp[method](...args, (error, value) => (error ? reject(error) : resolve(value))));
  const folderHandle = await call('open', folder, 'r');
  const once =
    variant === 'raw'
      ? async () => {
          const bytes = Buffer.from(envelope());
          const started = performance.now();
          await call('writeFile', `${folder}/${randomUUID()}.json`, bytes);
          return performance.now() - started;
        }
      : async () => {
          const bytes = Buffer.from(envelope());
          const name = randomUUID();
          const started = performance.now();
          const handle = await call('open', `${folder}/.${name}.part`, 'wx');
          await call('write', handle, bytes, 0, bytes.length, 0);
          await call('ext_openssh_fsync', handle);
          await call('close', handle);
          await call('ext_openssh_rename', `${folder}/.${name}.part`, `${folder}/${name}.json`);
          await call('ext_openssh_fsync', folderHandle);
          return performance.now() - started;
        };
  return { once, close: () => client.end() };
}

run(async () => {
  const options = params({ variant: 'skcomm' });
  const host = await testing.prepareTestSshHost();
  const sshd = await testing.startSshd(host);
  try {
    const knownHosts = `${host.directory}/known_hosts`;
    await writeFile(knownHosts, testing.knownHostsLine(host, sshd.port));
    const folder = await testing.makeRemoteDirectory(host);
    const variant = options.variant.startsWith('raw') ? await rawVariant(options.variant, host, sshd.port, folder) : await skcommVariant(host, sshd.port, knownHosts, folder);
    try {
      report({ ...(await sampleMs(variant.once, { ...options, minSamples: MIN_SAMPLES })), variant: options.variant });
    } finally {
      await variant.close();
    }
  } finally {
    await sshd.stop();
    await testing.disposeTestSshHost(host);
  }
});
