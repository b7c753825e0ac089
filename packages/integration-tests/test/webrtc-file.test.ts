/**
 * A large file between two real agents over WebRTC (issue 5, `webrtc_file`): links
 * negotiated through a real relay's signaling broker on 127.0.0.1, the receiver running
 * its daemon. The sender's peer connection is cut mid-transfer; `sendFile` retries on a
 * new link and the transfer resumes where the receiver stopped (only the missing chunks
 * are read), the receiver decrypts and verifies the file, and its signed ack comes back.
 * Then the ack is lost: once it is overdue the transfer is sent again, the receiving
 * transport delivers the envelope alone (no chunk is read) and the receiver acks the duplicate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OutgoingAttachment, type SendOptions, type SendTarget, silentLogger } from '@skcomm/core';
import { type Agent, receivedFileOf, runDaemon } from '@skcomm/core/agent';
import type { TestAgent } from '@skcomm/core/testing';
import { webrtc, type WebrtcTransport } from '@skcomm/transport-webrtc';
import { describe, expect, test } from 'vitest';
import { makeHomes, openAgent, transportContext, waitFor } from '../src/harness.js';
import { startSignalingRelay } from '../src/p2p-servers.js';

const MiB = 1024 * 1024;

async function webrtcFor(agent: TestAgent, signalUrl: string): Promise<WebrtcTransport> {
  // The transport keeps its spool of partial attachments in its state directory, as the Agent arranges it.
  const stateDir = join(agent.layout.transportsStateDir, 'webrtc');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  return webrtc({ signal: signalUrl, connectTimeoutMs: 15_000, sendTimeoutMs: 15_000, reconnectBaseMs: 50, reconnectMaxMs: 500 })({
    ...transportContext(agent),
    stateDir,
  });
}

/** Records the chunk indexes each sendWithAttachment call reads, by wrapping the attachment it is given. */
function countChunkReads(transport: WebrtcTransport): number[][] {
  const calls: number[][] = [];
  const send = transport.sendWithAttachment.bind(transport);
  transport.sendWithAttachment = (bytes: Uint8Array, attachment: OutgoingAttachment, target: SendTarget, options?: SendOptions) => {
    const reads: number[] = [];
    calls.push(reads);
    return send(
      bytes,
      {
        id: attachment.id,
        size: attachment.size,
        chunkBytes: attachment.chunkBytes,
        readChunk: (index) => (reads.push(index), attachment.readChunk(index)),
        onProgress: (confirmed, size) => attachment.onProgress?.(confirmed, size),
      },
      target,
      options,
    );
  };
  return calls;
}

/** Closes the peer connection underneath the transport, as a network failure would. */
function cutLink(transport: WebrtcTransport, peer: string): void {
  const links = (transport as unknown as { links: { links: Map<string, { connection: { close(): Promise<void> } }> } }).links.links;
  void links.get(peer)?.connection.close();
}

/** Sender and receiver agents, each with a webrtc transport signalled through `signalUrl`; the sender's chunk reads are counted. */
async function agentsOverWebrtc(homes: Record<'sender' | 'receiver', TestAgent>, signalUrl: string) {
  const senderTransport = await webrtcFor(homes.sender, signalUrl);
  const receiverTransport = await webrtcFor(homes.receiver, signalUrl);
  const reads = countChunkReads(senderTransport);
  const sender = await openAgent(homes.sender, [senderTransport]);
  const receiver = await openAgent(homes.receiver, [receiverTransport]);
  return { senderTransport, reads, sender, receiver };
}

describe('a large file over WebRTC', () => {
  test('24 MiB: the link is cut mid-transfer, the send resumes on a new link, the receiver verifies the sha256 and acks', async () => {
    const homes = await makeHomes(['sender', 'receiver'], { retrySeconds: [0.2, 0.5, 1] });
    const scratch = await mkdtemp(join(tmpdir(), 'skcomm-webrtc-file-'));
    const signaling = await startSignalingRelay();
    const stop = new AbortController();
    const agents: Agent[] = [];
    let daemon: Promise<unknown> | undefined;
    try {
      const { senderTransport, reads, sender, receiver } = await agentsOverWebrtc(homes, signaling.url);
      agents.push(sender, receiver);
      let onReady!: () => void;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      daemon = runDaemon(receiver, { signal: stop.signal, logger: silentLogger, pollIntervalMs: 20, retryTickMs: 20, compactOnStart: false, onReady });
      await Promise.race([ready, daemon]);

      const content = randomBytes(24 * MiB);
      const path = join(scratch, 'dataset.bin');
      await writeFile(path, content);
      let cutAt: number | undefined;
      const report = await sender.sendFile('receiver', path, {
        waitMs: 60_000,
        onProgress: (phase, done) => {
          if (phase === 'sending' && cutAt === undefined && done >= 8 * MiB) {
            cutAt = done;
            cutLink(senderTransport, homes.receiver.identity.fingerprint);
          }
        },
      });

      expect(report).toMatchObject({ state: 'delivered', transport: 'webrtc', file: { name: 'dataset.bin', size: content.length, method: 'stream' } });
      expect(cutAt).toBeGreaterThanOrEqual(8 * MiB);
      const outcomes = report.attempts.map((attempt) => [attempt.outcome, attempt.error?.retryable]);
      expect(outcomes.at(0)).toEqual(['failed', true]);
      expect(outcomes.at(-1)).toEqual(['handed-off', undefined]);
      // Resumed, not restarted: the calls after the cut read only chunks the receiver lacked, each once overall.
      const chunks = Math.ceil(content.length / 65_520);
      expect(reads.length).toBeGreaterThanOrEqual(2);
      expect(reads.slice(1).flat().length).toBeLessThan(chunks - Math.floor((8 * MiB) / 65_536));
      expect(new Set(reads.flat()).size).toBe(chunks);

      await waitFor(async () => (await receiver.unread()).length > 0, 'the file in the receiver inbox', 30_000);
      const [message] = await receiver.unread();
      const saved = receivedFileOf(message!);
      expect(saved).toMatchObject({ name: 'dataset.bin', size: content.length, sha256: createHash('sha256').update(content).digest('hex') });
      expect(createHash('sha256').update(await readFile(saved!.path)).digest('hex')).toBe(saved!.sha256);
    } finally {
      stop.abort();
      await daemon?.catch(() => undefined);
      await Promise.allSettled(agents.map((agent) => agent.close()));
      await signaling.stop();
      await rm(scratch, { recursive: true, force: true });
      await homes.cleanup();
    }
  }, 120_000);
  test('the ack of a delivered file is lost: once overdue the transfer goes again, the envelope alone is redelivered, the duplicate acked, nothing saved twice', async () => {
    const homes = await makeHomes(['sender', 'receiver'], { retrySeconds: [0.2, 0.5, 1] });
    const scratch = await mkdtemp(join(tmpdir(), 'skcomm-webrtc-file-'));
    const signaling = await startSignalingRelay();
    const agents: Agent[] = [];
    try {
      const { senderTransport, reads, sender, receiver } = await agentsOverWebrtc(homes, signaling.url);
      agents.push(sender, receiver);
      await receiver.activeTransports(); // started: its transport answers offers through the broker
      const content = randomBytes(3 * MiB);
      const path = join(scratch, 'notes.tar');
      await writeFile(path, content);

      const report = await sender.sendFile('receiver', path);
      expect(report).toMatchObject({ state: 'handed-off', transport: 'webrtc', file: { method: 'stream' } });
      const transferId = report.file.transfer_id!;
      expect((await receiver.receive()).messages).toHaveLength(1);
      // The receiver's signed ack comes back over the link and is lost before the sender's agent sees it.
      const lost: unknown[] = [];
      await waitFor(async () => {
        for (const inbound of await senderTransport.receive()) {
          lost.push(inbound);
          await inbound.commit();
        }
        return lost.length > 0;
      }, 'the ack at the sending transport', 30_000);
      await sender.receive();
      expect(await sender.fileTransfer(transferId)).toMatchObject({ state: 'handed-off', via: 'webrtc' });

      // Overdue now (the receiver's 500 ms ack coalescing window is past too).
      const statePath = join(homes.sender.home, 'queue', 'files', `${transferId}.state.json`);
      const state = JSON.parse(await readFile(statePath, 'utf8'));
      await writeFile(statePath, JSON.stringify({ ...state, next_attempt_at: new Date(Date.now() - 1000).toISOString() }));
      await new Promise((resolve) => setTimeout(resolve, 600));
      const callsBefore = reads.length;
      expect(await sender.resumeFileTransfers()).toMatchObject({ attempted: 1, handedOff: 1 });
      expect(reads.length).toBe(callsBefore + 1);
      expect(reads.at(-1)).toEqual([]);

      expect(await receiver.receive()).toMatchObject({ messages: [], duplicates: 1 });
      await waitFor(async () => (await sender.receive(), (await sender.fileTransfers()).length === 0), 'the ack of the duplicate', 30_000);
      const received = join(homes.receiver.home, 'files', 'received');
      expect((await readdir(received)).filter((name) => !name.startsWith('.'))).toEqual(['notes.tar']);
      expect(createHash('sha256').update(await readFile(join(received, 'notes.tar'))).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    } finally {
      await Promise.allSettled(agents.map((agent) => agent.close()));
      await signaling.stop();
      await rm(scratch, { recursive: true, force: true });
      await homes.cleanup();
    }
  }, 120_000);
});
