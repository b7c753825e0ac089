/**
 * HTTP webhook throughput on loopback, three variants measured the same way:
 *
 *   variant "skcomm": @skcomm/transport-http send() -> its receiving server (header and
 *     envelope checks, durable spool write: temp opened O_DSYNC, rename, directory
 *     fsync; then 202) while a subscriber on the receiving side commits (deletes) every
 *     envelope as it arrives.
 *   variant "raw": a bare node:http POST of the same bytes to a node:http server that
 *     reads the body and echoes it back: the floor of HTTP itself on this machine.
 *   variant "raw-durable": the same, but the server first does the spool's durable write
 *     bare (temp opened O_DSYNC + rename + directory fsync) and unlinks after answering:
 *     the floor of "2xx only once durable" on this disk.
 *
 * Envelopes are envelope-shaped JSON of about 1.3 KiB (a 1 KiB body as base64 ciphertext).
 * Needs packages/transport-http/dist (pnpm build).
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, open, rename, rm, unlink } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { body1KiB, measure, params, report, run } from './lib.mjs';

const FINGERPRINT_A = 'A'.repeat(40);
const FINGERPRINT_B = 'B'.repeat(40);

function envelopes(count) {
  const content = body1KiB();
  return Array.from({ length: count }, () =>
    new TextEncoder().encode(
      JSON.stringify({
        skcomm_version: '1.0.0',
        envelope_id: randomUUID(),
        timestamp: new Date().toISOString(),
        from: { name: 'alice', fingerprint: FINGERPRINT_A },
        to: { name: 'bob', fingerprint: FINGERPRINT_B },
        payload: { type: 'message', content_encrypted: content, signature: 'c2lnbmF0dXJl' },
        routing: { priority_transports: [], fallback_transports: [], retry_count: 0, max_retries: 5, ttl_seconds: 604800 },
        metadata: { content_type: 'text/plain', urgency: 'normal' },
      }),
    ),
  );
}

async function skcommVariant(messages) {
  const { http } = await import('../../../packages/transport-http/dist/index.js');
  const directory = await mkdtemp(join(tmpdir(), 'skcomm-bench-http-'));
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const receiver = http({ listen: '127.0.0.1:0', spool: directory, rateLimit: 0, maxSpooled: 1_000_000, pollIntervalMs: 50 })({ selfFingerprint: FINGERPRINT_B, logger });
  const sender = http({})({ selfFingerprint: FINGERPRINT_A, logger });
  await receiver.start();
  const target = { fingerprint: FINGERPRINT_B, address: receiver.endpoint };
  // Sanity: what we measure arrives byte-exact.
  await sender.send(messages[0], target);
  const [first] = await receiver.receive();
  if (first === undefined || Buffer.compare(Buffer.from(first.bytes), Buffer.from(messages[0])) !== 0) throw new Error('the webhook did not deliver byte-exact');
  await first.commit();
  let committed = 0;
  receiver.subscribe(async (envelope) => {
    await envelope.commit();
    committed++;
  });
  return {
    send: (index) => sender.send(messages[index % messages.length], target),
    extra: () => ({ committedDuringRun: committed }),
    close: async () => {
      await sender.stop();
      await receiver.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The same durable write the spool does, bare: a temp file opened O_DSYNC, write, close,
 * rename, fsync of the directory through a handle held open; then unlink (the commit).
 */
async function bareDurableWrite(directory, folder, name, bytes) {
  const temp = join(directory, `${name}.tmp`);
  const final = join(directory, name);
  const file = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC, 0o600);
  await file.writeFile(bytes);
  await file.close();
  await rename(temp, final);
  await folder.sync();
  return final;
}

async function rawVariant(messages, durable) {
  const directory = durable ? await mkdtemp(join(tmpdir(), 'skcomm-bench-raw-')) : undefined;
  const folder = directory === undefined ? undefined : await open(directory, 'r');
  let sequence = 0;
  const server = createServer((incoming, outgoing) => {
    const chunks = [];
    incoming.on('data', (chunk) => chunks.push(chunk));
    incoming.on('end', async () => {
      const body = Buffer.concat(chunks);
      const stored = directory === undefined ? undefined : await bareDurableWrite(directory, folder, `m${sequence++}`, body);
      outgoing.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      if (stored !== undefined) await unlink(stored);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/echo`;
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const post = (bytes) =>
    new Promise((resolve, reject) => {
      const outgoing = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': bytes.byteLength } }, (response) => {
        let length = 0;
        response.on('data', (chunk) => (length += chunk.length));
        response.on('end', () => (response.statusCode === 200 && length === bytes.byteLength ? resolve() : reject(new Error(`echo answered ${response.statusCode}`))));
      });
      outgoing.on('error', reject);
      outgoing.end(bytes);
    });
  await post(messages[0]);
  return {
    send: (index) => post(messages[index % messages.length]),
    extra: () => ({}),
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await folder?.close();
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    },
  };
}

run(async () => {
  const options = params({ variant: 'skcomm' });
  const messages = envelopes(1000);
  const subject = options.variant === 'skcomm' ? await skcommVariant(messages) : await rawVariant(messages, options.variant === 'raw-durable');
  try {
    const result = await measure(subject.send, options);
    report({ ...result, bytesPerMessage: messages[0].byteLength, ...subject.extra() });
  } finally {
    await subject.close();
  }
});
