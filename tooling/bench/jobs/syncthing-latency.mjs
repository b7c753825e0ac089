/**
 * Send -> receive latency through two real Syncthing instances on loopback (started by
 * the job, offline, temporary homes), one message at a time, two variants measured the
 * same way in the same kind of process:
 *
 *   variant "skcomm": @skcomm/transport-syncthing send() on side a (peer check over REST,
 *     atomic write, rescan request) -> Syncthing -> subscribe() push on side b, committed.
 *   variant "raw": the floor of Syncthing itself: write + fsync + rename of the same
 *     bytes into a's folder, POST /rest/db/scan for that directory, and fs.watch on b's
 *     copy of the directory until the file is there.
 *
 * Reports the median (p50) in ms plus p95/min/max. No target: Syncthing's own sync takes
 * about 0.25 s after a rescan, 1 s with its watcher alone. Needs
 * packages/transport-syncthing/dist (pnpm build) and the syncthing binary.
 */
import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { body1KiB, FINGERPRINT_A, FINGERPRINT_B, opaqueEnvelope, params, report, run, sampleMs, silentLogger } from './lib.mjs';

const DIST = '../../../packages/transport-syncthing/dist';
const { syncthing } = await import(`${DIST}/index.js`);
const { startSyncthingPair } = await import(`${DIST}/testing/index.js`);

const MIN_SAMPLES = 10;
const content = body1KiB();
const envelope = () => opaqueEnvelope(content);

async function skcommVariant(pair) {
  const transport = (side, peer, fingerprint) =>
    syncthing({ root: side.folder, folder: pair.folderId, api: side.instance.apiUrl, apiKeyFile: side.instance.apiKeyFile, device: peer.instance.deviceId, pollIntervalMs: 50 })({
      selfFingerprint: fingerprint,
      logger: silentLogger,
    });
  const a = transport(pair.sideA, pair.sideB, FINGERPRINT_A);
  const b = transport(pair.sideB, pair.sideA, FINGERPRINT_B);
  await Promise.all([a.start(), b.start()]);
  let waiting;
  b.subscribe(async (inbound) => {
    await inbound.commit();
    waiting?.(inbound.bytes.length);
  });
  return async () => {
    const bytes = envelope();
    const arrived = new Promise((resolve) => (waiting = resolve));
    const started = performance.now();
    await a.send(bytes, { fingerprint: FINGERPRINT_B });
    const length = await arrived;
    const elapsed = performance.now() - started;
    if (length !== bytes.length) throw new Error(`received ${length} bytes, sent ${bytes.length}`);
    return elapsed;
  };
}

async function rawVariant(pair) {
  const directory = 'raw';
  const from = join(pair.sideA.folder, directory);
  const to = join(pair.sideB.folder, directory);
  await mkdir(from, { recursive: true });
  const key = (await readFile(pair.sideA.instance.apiKeyFile, 'utf8')).trim();
  const scanUrl = `${pair.sideA.instance.apiUrl}/rest/db/scan?folder=${encodeURIComponent(pair.folderId)}&sub=${directory}`;
  return async () => {
    const bytes = envelope();
    const name = `${randomBytes(8).toString('hex')}.json`;
    const started = performance.now();
    const temp = join(from, `.${name}.tmp`);
    const handle = await open(temp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(temp, join(from, name));
    await fetch(scanUrl, { method: 'POST', headers: { 'X-API-Key': key } });
    await arrival(to, name);
    return performance.now() - started;
  };
}

/** Resolves once `directory/name` exists: fs.watch, plus a 50 ms poll as the transport does. */
async function arrival(directory, name) {
  await mkdir(directory, { recursive: true });
  const exists = () => stat(join(directory, name)).then(() => true, () => false);
  await new Promise((resolve) => {
    const check = async () => {
      if (!(await exists())) return;
      clearInterval(timer);
      watcher.close();
      resolve();
    };
    const watcher = watch(directory, () => void check());
    const timer = setInterval(() => void check(), 50);
    void check();
  });
}

run(async () => {
  const options = params({ variant: 'skcomm' });
  const pair = await startSyncthingPair();
  try {
    const sides = { sideA: { instance: pair.a, folder: pair.folderOfA }, sideB: { instance: pair.b, folder: pair.folderOfB }, folderId: pair.folderId };
    const once = options.variant === 'raw' ? await rawVariant(sides) : await skcommVariant(sides);
    report({ ...(await sampleMs(once, { ...options, minSamples: MIN_SAMPLES })), variant: options.variant });
  } finally {
    await pair.stop();
  }
});
