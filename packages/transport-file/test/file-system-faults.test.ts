/**
 * Faults a real disk cannot be made to produce on demand: a full disk, and a file that
 * changes between the checks and the read. node:fs/promises is wrapped to inject them.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, TransportError } from '@skcomm/core';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, recordingLogger, sandbox, transportFor } from './support.js';

const faults = vi.hoisted(() => ({ staleLstatSize: false, growDuringRead: false, writeErrno: undefined as string | undefined }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const isEnvelope = (path: unknown) => String(path).endsWith('.skc.json');
  return {
    ...actual,
    lstat: async (...args: Parameters<typeof actual.lstat>) => {
      const stats = await actual.lstat(...args);
      if (!faults.staleLstatSize || !isEnvelope(args[0])) return stats;
      return Object.assign(Object.create(Object.getPrototypeOf(stats) as object), stats, { size: Number(stats.size) - 1 });
    },
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      const path = String(args[0]);
      if (faults.writeErrno !== undefined && path.endsWith('.tmp')) {
        const errno = faults.writeErrno;
        handle.writeFile = async () => {
          throw Object.assign(new Error(`${errno}: injected, write`), { code: errno });
        };
      }
      if (faults.growDuringRead && isEnvelope(path)) {
        const read = handle.read.bind(handle) as (...readArgs: unknown[]) => ReturnType<typeof handle.read>;
        let grown = false;
        handle.read = (async (...readArgs: unknown[]) => {
          if (!grown) {
            grown = true;
            await actual.appendFile(path, ' more bytes from a slow writer');
          }
          return read(...readArgs);
        }) as typeof handle.read;
      }
      return handle;
    },
  };
});

let folder: Awaited<ReturnType<typeof sandbox>>;
beforeEach(async () => {
  folder = await sandbox();
});
afterEach(async () => {
  Object.assign(faults, { staleLstatSize: false, growDuringRead: false, writeErrno: undefined });
  await folder.cleanup();
});

async function deliveredLater(setFault: () => void): Promise<void> {
  const logger = recordingLogger();
  const receiver = transportFor(FINGERPRINT_B, { root: folder.root }, logger);
  await receiver.start();
  const envelope = envelopeFor();
  await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelope.bytes, { fingerprint: FINGERPRINT_B });
  setFault();
  expect(await receiver.receive()).toEqual([]);
  expect(logger.lines.some((line) => line.level === 'debug' && /size changed/.test(String(line.fields?.reason)))).toBe(true);
  expect(await readdir(receiver.inbox)).not.toContain('.quarantine');
  Object.assign(faults, { staleLstatSize: false, growDuringRead: false });
  const [inbound] = await receiver.receive();
  expect(inbound?.bytes.length).toBeGreaterThanOrEqual(envelope.bytes.length);
  await receiver.stop();
}

describe('file-system faults', () => {
  it('a file whose size changed between lstat and open is skipped, not quarantined, and read later', () =>
    deliveredLater(() => {
      faults.staleLstatSize = true;
    }));

  it('a file that grows while it is read is skipped, not quarantined, and read later', () =>
    deliveredLater(() => {
      faults.growDuringRead = true;
    }));

  it.each(['ENOSPC', 'EDQUOT'])('%s: a retryable E_STORAGE_FULL with a clear message, and no file left behind', async (errno) => {
    faults.writeErrno = errno;
    const error = await transportFor(FINGERPRINT_A, { root: folder.root })
      .send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B })
      .catch((caught: unknown) => caught);
    expect(TransportError.isTransportError(error)).toBe(true);
    expect(error).toMatchObject({ retryable: true, code: ErrorCode.StorageFull, transport: 'file' });
    expect((error as Error).message).toMatch(new RegExp(`no space left on the device holding .* \\(${errno}\\); retry once space is freed`));
    expect((error as Error).cause).toMatchObject({ code: errno });
    const inbox = join(folder.root, FINGERPRINT_B);
    expect(await readdir(inbox)).toEqual(['.tmp']);
    expect(await readdir(join(inbox, '.tmp'))).toEqual([]);
  });

  it('EIO while writing: retryable, names the path', async () => {
    faults.writeErrno = 'EIO';
    const error = await transportFor(FINGERPRINT_A, { root: folder.root })
      .send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
    expect((error as Error).message).toMatch(/failing with an I\/O error/);
  });
});
