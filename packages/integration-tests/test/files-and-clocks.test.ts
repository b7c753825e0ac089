/**
 * R9: corrupt files in the shared folder (bit flips, truncation, empty, half-written,
 * temp and conflict names): bad ones quarantined with a reason, good ones delivered
 * once, no crash. R10: the clock-skew table of DESIGN §3 through the whole agent.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeEnvelope, silentLogger } from '@skcomm/core';
import { Quarantine } from '@skcomm/core/store';
import { file } from '@skcomm/transport-file';
import { memory, MemoryNetwork } from '@skcomm/transport-memory';
import { afterAll, describe, expect, test } from 'vitest';
import { checkHistory, summarize } from '../src/history.js';
import { consume, makeHomes, openAgent } from '../src/harness.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('R9 corrupt files in the shared folder', () => {
  test('bad files are quarantined with a reason, temp and conflict copies left alone, good ones delivered once', async () => {
    const homes = await makeHomes(['sender', 'receiver']);
    const root = await mkdtemp(join(tmpdir(), 'skcomm-r9-'));
    folders.push(root);
    const transport = (fingerprint: string) => file({ root, pollIntervalMs: 50, emptyFileGraceMs: 0 })({ selfFingerprint: fingerprint, logger: silentLogger });
    const sender = await openAgent(homes.sender, [transport(homes.sender.identity.fingerprint)]);
    const receiver = await openAgent(homes.receiver, [transport(homes.receiver.identity.fingerprint)]);
    try {
      const inbox = join(root, homes.receiver.identity.fingerprint);
      const attempted: string[] = [];
      const confirmed: string[] = [];
      for (let index = 0; index < 60; index++) {
        const body = `R9-${index}`;
        attempted.push(body);
        await sender.send('receiver', { body });
        confirmed.push(body);
      }
      // 40 more envelopes, each damaged on disk in one of the ways a share or a stick damages files.
      const damaged = { bitflip: 12, truncated: 12, empty: 5, halfWritten: 5 };
      let planted = 0;
      const plant = async (damage: (bytes: Buffer) => Buffer) => {
        const envelope = await homes.sender.seal(homes.receiver, { body: `damaged-${planted++}` });
        await writeFile(join(inbox, `${envelope.envelope_id}.skc.json`), damage(Buffer.from(serializeEnvelope(envelope))));
      };
      for (let index = 0; index < damaged.bitflip; index++) {
        await plant((bytes) => {
          // Inside the armored ciphertext, which the signatures cover.
          const start = bytes.indexOf('-----BEGIN PGP MESSAGE-----') + 60;
          const end = bytes.indexOf('-----END PGP MESSAGE-----') - 10;
          const copy = Buffer.from(bytes);
          const offset = start + Math.floor(Math.random() * (end - start));
          copy[offset] = (copy[offset] ?? 0) ^ (1 << Math.floor(Math.random() * 6));
          return copy;
        });
      }
      for (let index = 0; index < damaged.truncated; index++) await plant((bytes) => bytes.subarray(0, 1 + Math.floor(Math.random() * (bytes.length - 2))));
      for (let index = 0; index < damaged.empty; index++) await plant(() => Buffer.alloc(0));
      for (let index = 0; index < damaged.halfWritten; index++) await plant((bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
      const ignoredNames = [
        `.syncthing.${randomUUID()}.skc.json.tmp`,
        `~syncthing~${randomUUID()}.skc.json.tmp`,
        `${randomUUID()}.sync-conflict-20250101-120000-ABCDEFG.skc.json`,
        `.${randomUUID()}.skc.json.tmp`,
      ];
      for (const name of ignoredNames) await writeFile(join(inbox, name), 'a copy in progress or in conflict');

      const consumed: string[] = [];
      const result = await receiver.receive();
      await consume(receiver, consumed);
      const verdict = checkHistory({ attempted, confirmed, consumed });
      console.info(summarize('R9 corrupt files', verdict), `rejected ${result.rejected.length}`);
      expect(verdict).toMatchObject({ ok: 60, lost: [], duplicated: [], unexpected: [], valid: true });

      // Content damage is caught by the receive pipeline, with a reason per file.
      const quarantined = await new Quarantine(homes.receiver.layout.quarantineDir).list();
      expect(quarantined).toHaveLength(damaged.bitflip + damaged.truncated + damaged.halfWritten);
      const codes = new Set(quarantined.map((record) => record.code));
      for (const code of codes) expect(['E_SIGNATURE_INVALID', 'E_DECRYPT_FAILED', 'E_ENVELOPE_INVALID', 'E_HEADER_MISMATCH']).toContain(code);
      // Empty files are the file transport's to quarantine, with a reason file each.
      const transportQuarantine = await readdir(join(inbox, '.quarantine'));
      expect(transportQuarantine.filter((name) => name.endsWith('.reason.json'))).toHaveLength(damaged.empty);
      // Temp and conflict copies stay for their owner (the sync tool, a human); nothing else is left.
      const left = (await readdir(inbox)).filter((name) => !name.startsWith('.tmp') && name !== '.quarantine');
      expect(left.sort()).toEqual([...ignoredNames].sort());
      // A second pass delivers nothing new and crashes on nothing.
      expect(await receiver.receive()).toMatchObject({ messages: [], rejected: [] });
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
      await homes.cleanup();
    }
  }, 120_000);
});

describe('R10 clock skew (DESIGN §3: created_at <= now + 5 min, now <= created_at + ttl; commands at most 5 min old)', () => {
  const minutes = 60_000;
  const table: Array<[string, number, 'accepted' | 'E_FROM_FUTURE' | 'E_STALE' | 'expired, not sent']> = [
    ['-24 h', -24 * 60 * minutes, 'accepted'],
    ['-1 h', -60 * minutes, 'accepted'],
    ['-6 min', -6 * minutes, 'accepted'],
    ['-4 min', -4 * minutes, 'accepted'],
    ['0', 0, 'accepted'],
    ['+4 min', 4 * minutes, 'accepted'],
    ['+6 min', 6 * minutes, 'E_FROM_FUTURE'],
    ['+1 h', 60 * minutes, 'E_FROM_FUTURE'],
    // Created a day ago with a 1-hour ttl: the outbox expires it instead of sending it
    // (the receiver's own E_EXPIRED check is in core's security tests).
    ['-24 h, ttl 1 h', -24 * 60 * minutes, 'expired, not sent'],
    // A command acts now (T12): one created over 5 min ago is refused whatever its ttl,
    // and with its default 5-minute ttl the outbox expires it instead of sending it late.
    ['command -6 min, ttl 1 d', -6 * minutes, 'E_STALE'],
    ['command -1 h, ttl 1 d', -60 * minutes, 'E_STALE'],
    ['command -6 min', -6 * minutes, 'expired, not sent'],
  ];

  test('every row of the table is accepted or rejected exactly as specified', async () => {
    const homes = await makeHomes(['sender', 'receiver']);
    const network = new MemoryNetwork({ seed: 10 });
    const sender = await openAgent(homes.sender, [memory({ network })({ selfFingerprint: homes.sender.identity.fingerprint, logger: silentLogger })]);
    const receiver = await openAgent(homes.receiver, [memory({ network })({ selfFingerprint: homes.receiver.identity.fingerprint, logger: silentLogger })]);
    try {
      await receiver.activeTransports(); // listening before the first send
      const outcomes: Record<string, string> = {};
      for (const [label, offsetMs, _expected] of table) {
        const ttlSeconds = label.includes('ttl 1 h') ? 3600 : label.includes('ttl 1 d') ? 24 * 3600 : undefined;
        const payload = label.startsWith('command') ? { type: 'command', contentType: 'application/json', body: '{"verb":"status"}' } : { body: label };
        const { report } = await sender.send('receiver', { ...payload, createdAt: new Date(Date.now() + offsetMs), ...(ttlSeconds ? { ttlSeconds } : {}) });
        if (report.state === 'expired') {
          outcomes[label] = 'expired, not sent';
          continue;
        }
        const result = await receiver.receive();
        outcomes[label] = result.messages.length === 1 ? 'accepted' : (result.rejected[0]?.code ?? 'nothing');
      }
      expect(outcomes).toEqual(Object.fromEntries(table.map(([label, , expected]) => [label, expected])));
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
      await homes.cleanup();
    }
  }, 60_000);
});
