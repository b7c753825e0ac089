/**
 * A large file over WebRTC (werift 0.24.4) on loopback, sender and receiver in two processes
 * (this one sends; a child receives), one-way, timed from the first offer to the receiver's
 * hop ack (everything durable on its disk). Params: `variant`, `sizeMiB` (100), `lanes` (the
 * transport's default when absent).
 *
 *   transport  @skcomm/transport-webrtc sendWithAttachment(): the attachment from
 *              @skcomm/core/files prepareOutgoingFile() (AES-256-GCM chunks of 64 KiB, read and
 *              encrypted while sending) when packages/core/dist/files exists, else the file's
 *              bytes as opaque chunks (the output says which). The receiver spools it
 *              (positional writes, batched fsync, have-record) and queues the envelope; the
 *              relay (its own process, dev auth) only negotiates the link.
 *   raw        bare werift: one pre-negotiated data channel (`lanes` of them when given), the
 *              same byte count read from the same file in 64 KiB messages (a u64 offset, then
 *              the bytes) under the same 64 KiB bufferedAmount cap, with the transport's ICE and
 *              socket-buffer settings; the receiver writes each message at its offset, fsyncs
 *              once at the end and answers "OK". SDP goes over the child's stdin/stdout.
 *
 * Reports MB/s (10^6 bytes of ciphertext per second), CPU of both processes per MB (one "op"),
 * and the peak RSS (VmHWM) of both. Afterwards (untimed) the receiver's file is hashed and
 * compared with what was sent. Params `init` (more transport config, both sides) and
 * `chunks: 'opaque'` (skip the encryption) are for exploring by hand.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RTCPeerConnection } from 'werift';
import { FINGERPRINT_A, FINGERPRINT_B, params, report, run, silentLogger } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../../..');
const CORE_FILES = join(ROOT, 'packages/core/dist/files/index.js');
/** 64 KiB per SCTP message (werift's limit), the u64 offset prefix included. */
const MESSAGE_BYTES = 65_536 - 8;
const CAP_BYTES = 65_536;

/** VmHWM (peak resident set) or VmRSS (now) of this process, from /proc/self/status. */
function statusBytes(field) {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((entry) => entry.startsWith(`${field}:`));
  return Number(line.split(/\s+/)[1]) * 1024;
}
const peakRssBytes = () => statusBytes('VmHWM');

const mb = (bytes) => Math.round(bytes / 1e5) / 10;
const cpuSeconds = (usage) => (usage.user + usage.system) / 1e6;

/** Lines from a child's stdout, as an async queue. */
function lines(child) {
  const queue = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => (waiting.length > 0 ? waiting.shift()(line) : queue.push(line)));
  child.once('exit', (code) => {
    for (const wake of waiting.splice(0)) wake(`EXIT ${code}`);
  });
  return async (prefix) => {
    for (;;) {
      const line = queue.length > 0 ? queue.shift() : await new Promise((resolve) => waiting.push(resolve));
      if (line.startsWith('EXIT ')) throw new Error(`child exited (${line}) while waiting for ${prefix}`);
      if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
    }
  };
}

function child(args) {
  // The same node flags as this process (e.g. --cpu-prof to profile both sides).
  const process_ = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return { process: process_, next: lines(process_) };
}

async function writeRandomFile(path, bytes) {
  const handle = await open(path, 'w');
  const block = randomBytes(1024 * 1024);
  for (let offset = 0; offset < bytes; offset += block.length) {
    // A fresh block now and then, so nothing compresses or dedups.
    if (offset % (16 * 1024 * 1024) === 0) randomBytes(block.length).copy(block);
    await handle.write(block, 0, Math.min(block.length, bytes - offset), offset);
  }
  await handle.close();
}

/** The file's bytes as opaque chunks of 64 KiB, read positionally (nothing held in memory). */
async function opaqueAttachment(path, size) {
  const handle = await open(path, 'r');
  const chunkBytes = 65_536;
  return {
    attachment: {
      id: randomBytes(16).toString('hex'),
      size,
      chunkBytes,
      async readChunk(index) {
        const length = Math.min(chunkBytes, size - index * chunkBytes);
        const buffer = Buffer.allocUnsafe(length);
        await handle.read(buffer, 0, length, index * chunkBytes);
        return buffer;
      },
    },
    chunks: existsSync(CORE_FILES) ? 'opaque file bytes (param chunks: opaque)' : 'opaque file bytes (packages/core/dist/files not built)',
    close: () => handle.close(),
  };
}

async function preparedAttachment(path, size, chunks) {
  if (chunks === 'opaque' || !existsSync(CORE_FILES)) return opaqueAttachment(path, size);
  const { prepareOutgoingFile } = await import(CORE_FILES);
  const prepared = await prepareOutgoingFile(path);
  return { attachment: prepared.attachment, chunks: 'aes-256-gcm (@skcomm/core/files prepareOutgoingFile)', close: () => prepared.close() };
}

/** sha256 of the whole ciphertext, chunk by chunk in order (after the clock). */
async function ciphertextSha256(attachment) {
  const hash = createHash('sha256');
  const count = Math.max(1, Math.ceil(attachment.size / attachment.chunkBytes));
  for (let index = 0; index < count; index++) hash.update(await attachment.readChunk(index));
  return hash.digest('hex');
}

async function fileSha256(path) {
  const handle = await open(path, 'r');
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  await handle.close();
  return hash.digest('hex');
}

/** The transport's config on both sides: `lanes` and any other keys from the `init` param (for exploring settings). */
function transportInit(signal, options) {
  return { signal, ...(options.lanes === undefined ? {} : { fileLanes: options.lanes }), ...options.init };
}

// ---------------------------------------------------------------- transport variant

async function transportSender(options, work) {
  const { webrtc } = await import('../../../packages/transport-webrtc/dist/index.js');
  const relay = child({ role: 'relay' });
  const relayDir = await mkdtemp(join(tmpdir(), 'skcomm-bench-webrtc-file-relay-'));
  relay.process.stdin.end(relayDir);
  const port = await relay.next('LISTENING');
  const signal = `ws://127.0.0.1:${port}`;
  const receiver = child({ role: 'receiver', variant: 'transport', signal, lanes: options.lanes, init: options.init, stateDir: join(work, 'receiver') });
  await receiver.next('READY');
  const sender = webrtc(transportInit(signal, options))({ selfFingerprint: FINGERPRINT_A, logger: silentLogger });
  await sender.start();
  const target = { fingerprint: FINGERPRINT_B };
  const { attachment, chunks, close } = await preparedAttachment(join(work, 'file.bin'), options.sizeMiB * 1024 * 1024, options.chunks);
  try {
    await sender.send(Buffer.from('{"envelope_id":"warm-up"}'), target); // the link, negotiated before the clock
    await receiver.next('RECEIVED');
    const rssBefore = statusBytes('VmRSS');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await sender.sendWithAttachment(Buffer.from('{"envelope_id":"with-file"}'), attachment, target);
    const seconds = (performance.now() - started) / 1000;
    const senderCpu = cpuSeconds(process.cpuUsage(cpuBefore));
    const senderPeak = peakRssBytes();
    const [receiverSha, receiverPeak, receiverCpu] = (await receiver.next('RECEIVED')).split(' ');
    if (receiverSha !== (await ciphertextSha256(attachment))) throw new Error('the receiver holds other bytes than were sent');
    return {
      bytes: attachment.size,
      seconds,
      rssBefore,
      senderPeak,
      receiverPeak: Number(receiverPeak),
      senderCpu,
      receiverCpu: Number(receiverCpu),
      chunks,
      lanes: options.lanes ?? 'default (1)',
    };
  } finally {
    await close();
    await sender.stop();
    receiver.process.kill();
    relay.process.kill();
    await rm(relayDir, { recursive: true, force: true });
  }
}

async function transportReceiver(options) {
  const { webrtc } = await import('../../../packages/transport-webrtc/dist/index.js');
  const receiver = webrtc(transportInit(options.signal, options))({ selfFingerprint: FINGERPRINT_B, logger: silentLogger, stateDir: options.stateDir });
  let cpuAtWarmUp;
  receiver.subscribe(async (inbound) => {
    // The sender's clock stops at our hop ack; hashing here is after it.
    const cpu = cpuSeconds(process.cpuUsage(cpuAtWarmUp));
    cpuAtWarmUp ??= process.cpuUsage();
    const line = inbound.attachment ? `${await fileSha256(inbound.attachment.path)} ${peakRssBytes()} ${cpu}` : 'warm-up';
    await inbound.commit();
    process.stdout.write(`RECEIVED ${line}\n`);
  });
  await receiver.start();
  process.stdout.write('READY\n');
}

// ---------------------------------------------------------------- raw variant

function loopbackPeer() {
  return new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } });
}

const withholdStun = (peer) => {
  for (const transport of peer.iceTransports) transport.connection.stunServer = undefined;
};

/** What the transport does after gathering (ice-config.ts): 4 MiB UDP socket buffers (the kernel caps them at rmem_max/wmem_max). */
function enlargeSocketBuffers(peer) {
  for (const transport of peer.iceTransports) {
    for (const protocol of transport.connection.protocols) {
      protocol.transport?.socket?.setRecvBufferSize(4 * 1024 * 1024);
      protocol.transport?.socket?.setSendBufferSize(4 * 1024 * 1024);
    }
  }
}

const channelsOf = (peer, count) => Array.from({ length: count }, (_, id) => peer.createDataChannel(`bench-${id}`, { negotiated: true, id, ordered: true }));
const opened = (channel) => new Promise((resolve) => (channel.readyState === 'open' ? resolve() : channel.stateChanged.subscribe((state) => state === 'open' && resolve())));

async function rawSender(options, work) {
  const size = options.sizeMiB * 1024 * 1024;
  const lanes = options.lanes ?? 1;
  const receiver = child({ role: 'receiver', variant: 'raw', lanes, size, path: join(work, 'received.bin') });
  const peer = loopbackPeer();
  const channels = channelsOf(peer, lanes);
  const offer = await peer.createOffer();
  withholdStun(peer);
  await peer.setLocalDescription(offer);
  enlargeSocketBuffers(peer);
  receiver.process.stdin.write(`${JSON.stringify(peer.localDescription)}\n`);
  await peer.setRemoteDescription(JSON.parse(await receiver.next('ANSWER')));
  await Promise.all(channels.map(opened));
  const file = await open(join(work, 'file.bin'), 'r');
  const rssBefore = statusBytes('VmRSS');
  const cpuBefore = process.cpuUsage();
  const done = new Promise((resolve) => channels[0].onMessage.subscribe((data) => resolve(data.toString())));
  const started = performance.now();
  let nextOffset = 0;
  // Each channel sends the messages it takes, read from disk, under its share of the cap.
  await Promise.all(
    channels.map(async (channel) => {
      const cap = Math.max(16_384, CAP_BYTES / lanes);
      channel.bufferedAmountLowThreshold = cap / 2;
      while (nextOffset < size) {
        const offset = nextOffset;
        nextOffset += MESSAGE_BYTES;
        const message = Buffer.allocUnsafe(Math.min(MESSAGE_BYTES, size - offset));
        await file.read(message, 0, message.length, offset);
        if (channel.bufferedAmount >= cap) {
          await new Promise((resolve) => {
            const subscription = channel.bufferedAmountLow.subscribe(() => {
              subscription.unSubscribe();
              resolve();
            });
          });
        }
        // With several channels the receiver cannot tell a message's place from arrival order:
        // each carries its offset (u64) first.
        channel.send(Buffer.concat([u64(offset), message]));
      }
    }),
  );
  const answer = await done;
  const seconds = (performance.now() - started) / 1000;
  if (answer !== 'OK') throw new Error(`receiver answered ${answer}`);
  const senderCpu = cpuSeconds(process.cpuUsage(cpuBefore));
  const senderPeak = peakRssBytes();
  const [receiverSha, receiverPeak, receiverCpu] = (await receiver.next('RECEIVED')).split(' ');
  await file.close();
  if (receiverSha !== (await fileSha256(join(work, 'file.bin')))) throw new Error('the receiver holds other bytes than were sent');
  await peer.close();
  receiver.process.kill();
  return {
    bytes: size,
    seconds,
    rssBefore,
    senderPeak,
    receiverPeak: Number(receiverPeak),
    senderCpu,
    receiverCpu: Number(receiverCpu),
    chunks: 'the file bytes, 64 KiB messages',
    lanes,
  };
}

function u64(value) {
  const buffer = Buffer.allocUnsafe(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
}

async function rawReceiver(options) {
  const input = createInterface({ input: process.stdin });
  const offer = await new Promise((resolve) => input.once('line', resolve));
  const peer = loopbackPeer();
  const channels = channelsOf(peer, options.lanes);
  await peer.setRemoteDescription(JSON.parse(offer));
  withholdStun(peer);
  await peer.setLocalDescription(await peer.createAnswer());
  enlargeSocketBuffers(peer);
  process.stdout.write(`ANSWER ${JSON.stringify(peer.localDescription)}\n`);
  const file = await open(options.path, 'w');
  let received = 0;
  let cpuAtOpen;
  channels[0].stateChanged.subscribe((state) => state === 'open' && (cpuAtOpen ??= process.cpuUsage()));
  const writes = new Set();
  for (const channel of channels) {
    channel.onMessage.subscribe((data) => {
      const offset = Number(data.readBigUInt64BE(0));
      const write = file.write(data, 8, data.length - 8, offset);
      writes.add(write);
      write.finally(() => writes.delete(write));
      received += data.length - 8;
      if (received < options.size) return;
      void (async () => {
        await Promise.all([...writes]);
        await file.datasync();
        channels[0].send(Buffer.from('OK'));
        const cpu = cpuSeconds(process.cpuUsage(cpuAtOpen));
        await file.close();
        process.stdout.write(`RECEIVED ${await fileSha256(options.path)} ${peakRssBytes()} ${cpu}\n`);
      })();
    });
  }
}

// ---------------------------------------------------------------- relay child

async function relayChild() {
  const dataDir = await new Promise((resolve) => {
    let text = '';
    process.stdin.on('data', (chunk) => (text += chunk)).once('end', () => resolve(text.trim()));
  });
  const { startRelay } = await import('../../../apps/relay/dist/index.js');
  const relay = await startRelay({ port: 0, dataDir, devAuth: true });
  process.stdout.write(`LISTENING ${relay.port}\n`);
}

const role = params({}).role;
// A child asked to stop exits normally (so --cpu-prof writes its profile).
if (role !== undefined) process.once('SIGTERM', () => process.exit(0));
if (role === 'receiver') {
  const options = params({});
  (options.variant === 'raw' ? rawReceiver(options) : transportReceiver(options)).catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
} else if (role === 'relay') {
  relayChild().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
} else {
  run(async () => {
    const options = params({ variant: 'transport', sizeMiB: 100 });
    const work = await mkdtemp(join(tmpdir(), 'skcomm-bench-webrtc-file-'));
    try {
      await writeRandomFile(join(work, 'file.bin'), options.sizeMiB * 1024 * 1024);
      const result = await (options.variant === 'raw' ? rawSender(options, work) : transportSender(options, work));
      const cpu = result.senderCpu + result.receiverCpu;
      report({
        value: result.bytes / 1e6 / result.seconds,
        unit: 'MB/s',
        better: 'higher',
        // One "op" is one MB moved: CPU of both processes per MB, and over the wall time.
        cpuUsPerOp: (cpu * 1e6) / (result.bytes / 1e6),
        cpuPerWall: cpu / result.seconds,
        senderCpuSeconds: result.senderCpu,
        receiverCpuSeconds: result.receiverCpu,
        seconds: result.seconds,
        bytes: result.bytes,
        senderRssBeforeMB: mb(result.rssBefore),
        senderPeakRssMB: mb(result.senderPeak),
        receiverPeakRssMB: mb(result.receiverPeak),
        lanes: result.lanes,
        chunks: result.chunks,
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
