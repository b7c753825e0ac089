/**
 * Two agents with all three network paths configured: websocket through a real relay
 * (real CapAuth), tcp direct, and a shared folder (file). One fault each, mid-stream:
 * (a) the relay is killed with SIGKILL (and comes back later with its mailbox),
 * (b) the tcp peer becomes unreachable (its listener stops, later starts again),
 * (c) files in the shared folder arrive damaged.
 * Every message must be consumed exactly once (history checker) and acked.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { QuarantineRecord } from '@skcomm/core/store';
import type { TestAgent } from '@skcomm/core/testing';
import { startRelay } from '@skcomm/relay';
import { file, type FileTransport, QUARANTINE_DIRECTORY } from '@skcomm/transport-file';
import { tcp, type TcpTransport } from '@skcomm/transport-tcp';
import { websocket } from '@skcomm/transport-websocket';
import { describe, expect, test } from 'vitest';
import { DamagingFolder } from '../src/damaging-folder.js';
import { summarize } from '../src/history.js';
import { scaled, temporaryFolders, transportContext, waitFor } from '../src/harness.js';
import { startRelayProcess } from '../src/relay-process.js';
import { runScenario, type ScenarioTransports } from '../src/scenario.js';

const temporaryFolder = temporaryFolders();

type Path = 'websocket' | 'tcp' | 'folder';

interface Homes {
  sender: TestAgent;
  receiver: TestAgent;
}

/**
 * Each agent gets websocket, tcp and file, with priorities from `order` (first = 1).
 * The tcp listeners start here so that each agent can pin the other's real address.
 */
async function threePaths(homes: Homes, setup: { relayUrl: string; root: string; order: readonly Path[]; wrapFolder?: (folder: FileTransport) => DamagingFolder }) {
  const priority = (path: Path) => setup.order.indexOf(path) + 1;
  const forAgent = (home: TestAgent) => {
    const context = transportContext(home);
    // Reconnects capped at 500 ms: a relay that comes back is found again quickly.
    const relay = websocket({ url: setup.relayUrl, name: 'websocket', priority: priority('websocket'), reconnectBaseMs: 50, reconnectMaxMs: 500 })(context);
    const direct = tcp({ listen: '127.0.0.1:0', name: 'tcp', priority: priority('tcp') })(context);
    // A local folder: its declared latency (default: that of a synced share) is what an unacked message waits before going again.
    const plainFolder = file({ root: setup.root, name: 'folder', priority: priority('folder'), pollIntervalMs: 50, emptyFileGraceMs: 0, expectedLatencyMs: 100 })(context);
    const folder = setup.wrapFolder ? setup.wrapFolder(plainFolder) : plainFolder;
    return { relay, direct, folder };
  };
  const sender = forAgent(homes.sender);
  const receiver = forAgent(homes.receiver);
  await Promise.all([sender.direct.start(), receiver.direct.start()]);
  await homes.sender.peers.setAddress('receiver', 'tcp', receiver.direct.address);
  await homes.receiver.peers.setAddress('sender', 'tcp', sender.direct.address);
  const transports: ScenarioTransports = {
    sender: [sender.relay, sender.direct, sender.folder],
    receiver: [receiver.relay, receiver.direct, receiver.folder],
  };
  return { transports, receiverTcp: receiver.direct };
}

describe('websocket + tcp + file, one fault each mid-stream (history checked)', () => {
  test('(a) the relay is killed with SIGKILL mid-stream: traffic moves to tcp; its mailbox comes back later and stale copies are not seen twice', async () => {
    const relay = await startRelayProcess(await temporaryFolder('skcomm-relay-mailbox-'));
    const root = await temporaryFolder('skcomm-folder-');
    const count = scaled(60);
    let killedAt: number | undefined;
    let staleAfterRestart = 0;
    try {
      const result = await runScenario({
        name: 'relay-killed',
        count,
        transports: async (_, homes) => (await threePaths(homes, { relayUrl: relay.url, root, order: ['websocket', 'tcp', 'folder'] })).transports,
        async onConfirmed(confirmed) {
          if (confirmed !== Math.floor(count / 3)) return;
          killedAt = confirmed;
          await relay.kill();
        },
        // Back with the mailbox it had: whatever it stored and had not handed out before the kill goes out now, again.
        async afterSending() {
          await relay.restart();
          staleAfterRestart = await relay.waitingEnvelopes();
        },
        beforeStopping: () => waitFor(async () => (await relay.waitingEnvelopes()) === 0, 'the restarted relay to hand out its mailbox', 60_000, 50),
      });
      console.info(summarize('relay killed', result.verdict), `avg rounds ${result.averageRounds.toFixed(2)}`, result.handedOffBy, `in the mailbox after the restart: ${staleAfterRestart}`);
      expect(killedAt).toBe(Math.floor(count / 3));
      expect(result.undelivered).toEqual([]);
      expect(result.verdict).toMatchObject({ ok: count, lost: [], duplicated: [], unexpected: [], valid: true });
      expect(result.handedOffBy.websocket).toBeGreaterThan(0);
      expect(result.handedOffBy.tcp).toBeGreaterThan(0);
      expect(result.quarantined).toEqual({ sender: [], receiver: [] });
    } finally {
      await relay.stop();
    }
  }, 90_000);

  test('(b) the tcp peer becomes unreachable mid-stream (listener stopped, later restarted): traffic moves to the relay', async () => {
    const relay = await startRelay({ host: '127.0.0.1', port: 0, dataDir: await temporaryFolder('skcomm-relay-mailbox-'), devAuth: false });
    const root = await temporaryFolder('skcomm-folder-');
    const count = scaled(60);
    let receiverTcp: TcpTransport | undefined;
    const unreachable: number[] = [];
    try {
      const result = await runScenario({
        name: 'tcp-blocked',
        count,
        async transports(_, homes) {
          const paths = await threePaths(homes, { relayUrl: relay.url, root, order: ['tcp', 'websocket', 'folder'] });
          receiverTcp = paths.receiverTcp;
          return paths.transports;
        },
        async onConfirmed(confirmed) {
          if (confirmed === Math.floor(count / 3)) {
            unreachable.push(confirmed);
            await receiverTcp?.stop(); // connections to its port are refused from now on
          } else if (confirmed === Math.floor((2 * count) / 3)) {
            unreachable.push(confirmed);
            await receiverTcp?.start(); // same port again
          }
        },
      });
      console.info(summarize('tcp blocked', result.verdict), `avg rounds ${result.averageRounds.toFixed(2)}`, result.handedOffBy);
      expect(unreachable).toEqual([Math.floor(count / 3), Math.floor((2 * count) / 3)]);
      expect(result.undelivered).toEqual([]);
      expect(result.verdict).toMatchObject({ ok: count, lost: [], duplicated: [], unexpected: [], valid: true });
      expect(result.handedOffBy.tcp).toBeGreaterThan(0);
      expect(result.handedOffBy.websocket).toBeGreaterThan(0);
      expect(result.quarantined).toEqual({ sender: [], receiver: [] });
    } finally {
      await relay.close();
    }
  }, 90_000);

  test('(c) every 3rd file written to the shared folder lands damaged: each is quarantined with a reason, the message arrives via the next path', async () => {
    const relay = await startRelay({ host: '127.0.0.1', port: 0, dataDir: await temporaryFolder('skcomm-relay-mailbox-'), devAuth: false });
    const root = await temporaryFolder('skcomm-folder-');
    const count = scaled(60);
    const damagingFolders: DamagingFolder[] = [];
    let fingerprints = { sender: '', receiver: '' };
    const envelopesLeftIn = async (fingerprint: string) => (await readdir(join(root, fingerprint)).catch(() => [])).filter((name) => name.endsWith('.skc.json')).length;
    const transportQuarantined = async (fingerprint: string) =>
      (await readdir(join(root, fingerprint, QUARANTINE_DIRECTORY)).catch(() => [])).filter((name) => name.endsWith('.reason.json')).length;
    try {
      const result = await runScenario({
        name: 'folder-damaged',
        count,
        async transports(known, homes) {
          fingerprints = known;
          const wrapFolder = (folder: FileTransport) => {
            const damaging = new DamagingFolder(folder, { root, every: 3 });
            damagingFolders.push(damaging);
            return damaging;
          };
          return (await threePaths(homes, { relayUrl: relay.url, root, order: ['folder', 'websocket', 'tcp'], wrapFolder })).transports;
        },
        // Every file in the folder looked at (consumed or quarantined) before the agents stop.
        beforeStopping: () =>
          waitFor(async () => (await envelopesLeftIn(fingerprints.receiver)) + (await envelopesLeftIn(fingerprints.sender)) === 0, 'the folder to be empty', 60_000, 50),
      });
      const damagedFor = (fingerprint: string) => {
        const counts = damagingFolders.map((folder) => folder.damaged.get(fingerprint) ?? { changed: 0, 'cut-short': 0, emptied: 0 });
        const sum = (kind: 'changed' | 'cut-short' | 'emptied') => counts.reduce((total, entry) => total + entry[kind], 0);
        return { content: sum('changed') + sum('cut-short'), emptied: sum('emptied') };
      };
      const toReceiver = damagedFor(fingerprints.receiver);
      const toSender = damagedFor(fingerprints.sender);
      console.info(summarize('folder damaged', result.verdict), `avg rounds ${result.averageRounds.toFixed(2)}`, result.handedOffBy, { toReceiver, toSender });
      expect(result.undelivered).toEqual([]);
      expect(result.verdict).toMatchObject({ ok: count, lost: [], duplicated: [], unexpected: [], valid: true });
      expect(toReceiver.content).toBeGreaterThan(0);
      // Damaged content is caught by the receive pipeline, empty files by the file transport, each with a reason.
      // (Distinct files: the file transport may hand one file over twice when a scan overlaps its commit.)
      const distinctFiles = (records: QuarantineRecord[]) => new Set(records.map((record) => record.sha256)).size;
      expect({ receiver: distinctFiles(result.quarantined.receiver), sender: distinctFiles(result.quarantined.sender) }).toEqual({
        receiver: toReceiver.content,
        sender: toSender.content,
      });
      const reasons = new Set([...result.quarantined.receiver, ...result.quarantined.sender].map((record) => record.code));
      for (const code of reasons) expect(['E_ENVELOPE_INVALID', 'E_SIGNATURE_INVALID', 'E_DECRYPT_FAILED']).toContain(code);
      expect(await transportQuarantined(fingerprints.receiver)).toBe(toReceiver.emptied);
      expect(await transportQuarantined(fingerprints.sender)).toBe(toSender.emptied);
      // A message whose file was damaged went again over another path.
      expect((result.handedOffBy.websocket ?? 0) + (result.handedOffBy.tcp ?? 0)).toBeGreaterThanOrEqual(toReceiver.content + toReceiver.emptied);
    } finally {
      await relay.close();
    }
  }, 90_000);
});
