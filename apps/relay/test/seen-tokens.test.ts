/** The seen-token file on its own (a real directory, a settable clock): load, compaction, damage, a full disk. */
import { mkdtemp, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSeenTokenLine, digestToken, encodeSeenTokenLine, SEEN_TOKENS_FILE, SeenTokens, type SeenTokensOptions } from '../src/seen-tokens.js';
import { recordingLogger } from './support.js';

let directory: string;
let now: number;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'skcomm-seen-tokens-'));
  now = 1_700_000_000;
});
afterEach(() => rm(directory, { recursive: true, force: true }));

const file = () => join(directory, SEEN_TOKENS_FILE);
const linesOf = async () => (await readFile(file(), 'latin1')).split('\n').filter((line) => line !== '');

async function openStore(options: Partial<SeenTokensOptions> = {}) {
  const logger = recordingLogger();
  const opened = await SeenTokens.open(directory, { logger, nowSeconds: () => now, ...options });
  return { ...opened, logger };
}

/** Claims and commits, as the authenticator does for an accepted token. */
async function accept(seen: SeenTokens, token: string, expiresAtSeconds = now + 300): Promise<string> {
  const digest = digestToken(token);
  seen.claim(digest, expiresAtSeconds);
  await seen.commit(digest);
  return digest;
}

describe('seen-token store', () => {
  it('keeps committed digests across a reopen, and only digests: never the token', async () => {
    const { seen } = await openStore();
    const token = `${'AB'.repeat(20)}.${now}.c2lnbmF0dXJl`;
    const digest = await accept(seen, token);
    // Durable when commit resolves: on disk before close.
    expect(await linesOf()).toEqual([encodeSeenTokenLine({ digest, expiresAtSeconds: now + 300 }).trimEnd()]);
    await seen.close();
    expect(await readFile(file(), 'latin1')).not.toContain('c2lnbmF0dXJl');

    const { seen: reopened, load } = await openStore();
    expect(load).toEqual({ live: 1, expired: 0, unreadable: 0 });
    expect(reopened.has(digest)).toBe(true);
    await reopened.close();
  });

  it('commits concurrent claims together and resolves each once its line is on disk', async () => {
    const { seen } = await openStore();
    const digests = await Promise.all(Array.from({ length: 40 }, (_, index) => accept(seen, `token-${index}`)));
    expect((await linesOf()).map((line) => decodeSeenTokenLine(line)?.digest).sort()).toEqual([...digests].sort());
    await seen.close();
  });

  it('drops expired entries at start and rewrites the file smaller', async () => {
    const { seen } = await openStore();
    for (let index = 0; index < 30; index++) await accept(seen, `old-${index}`, now + 10);
    const young = await accept(seen, 'young', now + 300);
    await seen.close();
    const before = (await readFile(file())).length;

    now += 11;
    const { seen: reopened, load } = await openStore();
    expect(load).toEqual({ live: 1, expired: 30, unreadable: 0 });
    expect((await readFile(file())).length).toBeLessThan(before / 10);
    expect(await linesOf()).toEqual([encodeSeenTokenLine({ digest: young, expiresAtSeconds: now + 289 }).trimEnd()]);
    expect(reopened.has(young)).toBe(true);
    expect(reopened.has(digestToken('old-0'))).toBe(false);
    await reopened.close();
  });

  it('skips a torn last line and garbage, logs how many, and keeps every other entry', async () => {
    const { seen } = await openStore();
    const first = await accept(seen, 'first');
    const second = await accept(seen, 'second');
    await seen.close();
    const whole = await readFile(file(), 'latin1');
    const secondLine = encodeSeenTokenLine({ digest: second, expiresAtSeconds: now + 300 });
    // A flipped character inside the second line, garbage, and a torn third line.
    const damaged = whole.replace(secondLine, `${secondLine.slice(0, 10)}${secondLine[10] === 'a' ? 'b' : 'a'}${secondLine.slice(11)}`);
    await writeFile(file(), `${damaged}not a line at all\n\u0000\u0001\n${encodeSeenTokenLine({ digest: digestToken('third'), expiresAtSeconds: now + 300 }).slice(0, 40)}`, 'latin1');

    const { seen: reopened, load, logger } = await openStore();
    expect(load).toEqual({ live: 1, expired: 0, unreadable: 4 });
    expect(logger.lines.find((line) => line.startsWith('warn skipped unreadable lines'))).toContain('"lines":4');
    expect(reopened.has(first)).toBe(true);
    expect(reopened.has(second)).toBe(false);
    // Compacted: only the readable line is left, and appends start on a line of their own.
    expect(await linesOf()).toHaveLength(1);
    const after = await accept(reopened, 'after the crash');
    await reopened.close();
    const { seen: again, load: reload } = await openStore();
    expect(reload.unreadable).toBe(0);
    expect(again.has(first) && again.has(after)).toBe(true);
    await again.close();
  });

  it('rewrites the file while running once it holds more than 4x the live entries', async () => {
    const { seen } = await openStore({ minCompactionLines: 8 });
    for (let index = 0; index < 8; index++) await accept(seen, `short-${index}`, now + 5);
    expect(await linesOf()).toHaveLength(8);
    now += 6;
    const live = await accept(seen, 'live');
    // 9 lines for 1 live entry: rewritten down to it right after that commit resolved,
    // before the next batch is written.
    const next = await accept(seen, 'next');
    expect(await linesOf()).toEqual([live, next].map((digest) => encodeSeenTokenLine({ digest, expiresAtSeconds: now + 300 }).trimEnd()));
    await seen.close();
  });

  it('removes temp files a crash left during a rewrite', async () => {
    await writeFile(join(directory, `.${SEEN_TOKENS_FILE}.0123456789ab.tmp`), 'half a rewrite');
    const { seen } = await openStore();
    expect(await readdir(directory)).toEqual([]);
    await seen.close();
  });

  it('rejects a commit it cannot write (a full disk), keeps nothing of it, and recovers on a line of its own', async () => {
    const { seen } = await openStore();
    const kept = await accept(seen, 'before');
    await seen.close();
    const { seen: reopened } = await openStore();
    // The append handle is opened on the first commit: point the file at a device that is always full.
    const content = await readFile(file());
    await unlink(file());
    await symlink('/dev/full', file());
    const digest = digestToken('during');
    reopened.claim(digest, now + 300);
    await expect(reopened.commit(digest)).rejects.toMatchObject({ code: 'E_STORAGE_FULL' });
    reopened.release(digest);
    expect(reopened.has(digest)).toBe(false);

    await unlink(file());
    // As a failed write can leave it: a line cut short, no newline.
    await writeFile(file(), Buffer.concat([content, Buffer.from(encodeSeenTokenLine({ digest, expiresAtSeconds: now + 300 }).slice(0, 30))]));
    const after = await accept(reopened, 'after');
    await reopened.close();
    const { seen: again, load } = await openStore();
    expect(load).toEqual({ live: 2, expired: 0, unreadable: 1 });
    expect(again.has(kept) && again.has(after)).toBe(true);
    await again.close();
  });

  it('refuses to open a file it cannot read, rather than forget what was used', async () => {
    await rm(file(), { force: true });
    await symlink('/dev/zero', file());
    await expect(openStore()).rejects.toMatchObject({ code: 'E_STORAGE' });
  });
});

const entry = fc.record({ digest: fc.stringMatching(/^[0-9a-f]{64}$/), expiresAtSeconds: fc.integer({ min: 0, max: 999_999_999_999 }) });

describe('seen-token lines', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(entry, (value) => {
        expect(decodeSeenTokenLine(encodeSeenTokenLine(value).slice(0, -1))).toEqual(value);
      }),
    );
  });

  it('never misread a changed character or a cut line', () => {
    fc.assert(
      fc.property(entry, fc.nat(), fc.integer({ min: 1, max: 127 }), (value, position, code) => {
        const line = encodeSeenTokenLine(value).slice(0, -1);
        const at = position % line.length;
        const changed = `${line.slice(0, at)}${String.fromCharCode(code)}${line.slice(at + 1)}`;
        if (changed !== line) expect(decodeSeenTokenLine(changed)).toBeUndefined();
        expect(decodeSeenTokenLine(line.slice(0, at))).toBeUndefined();
      }),
    );
  });

  it('decode arbitrary text without throwing, and accept only what encodes back to itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const decoded = decodeSeenTokenLine(text);
        if (decoded !== undefined) expect(encodeSeenTokenLine(decoded)).toBe(`${text}\n`);
      }),
      { numRuns: 2000 },
    );
  });

  it('load keeps every whole live line among arbitrary garbage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(entry.map((value) => ({ value })), fc.string({ maxLength: 90 }).map((garbage) => ({ garbage }))), { maxLength: 12 }), async (items) => {
        await writeFile(file(), items.map((item) => ('value' in item ? encodeSeenTokenLine(item.value) : `${item.garbage.replace(/\n/g, '')}\n`)).join(''), 'latin1');
        const { seen } = await openStore();
        for (const item of items) if ('value' in item && item.value.expiresAtSeconds >= now) expect(seen.has(item.value.digest)).toBe(true);
        await seen.close();
      }),
      { numRuns: 60 },
    );
  });
});
