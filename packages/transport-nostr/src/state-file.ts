/**
 * The transport's state on disk (`<stateDir>/nostr-state.json`): the subscription cursor
 * and the ids of committed gift wraps still inside the `since` window. Saves are
 * coalesced: commits within 50 ms share one atomic write (temp file, fsync,
 * rename). A crash before a save only means some committed envelopes are received again,
 * which the receive pipeline's replay store drops.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeError, type Logger } from '@skcomm/core';

export const STATE_FILE_NAME = 'nostr-state.json';
const SAVE_DELAY_MS = 50;

export interface SavedState {
  cursor: number;
  committed: Record<string, number>;
}

export class StateFile {
  private pendingSnapshot: (() => SavedState) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  static in(stateDir: string, logger: Logger): StateFile {
    return new StateFile(join(stateDir, STATE_FILE_NAME), logger);
  }

  /** The saved state, or undefined when there is none or it is unreadable (then logged, and started afresh). */
  async load(): Promise<SavedState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('nostr state unreadable; starting afresh', { path: this.path, error: describeError(error) });
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (isSavedState(parsed)) return parsed;
    } catch {
      // fall through
    }
    this.logger.warn('nostr state is corrupt; starting afresh (envelopes of the last two days may arrive again)', { path: this.path });
    return undefined;
  }

  /** Schedules a save of `snapshot()` a moment from now; later calls within that moment share it. */
  schedule(snapshot: () => SavedState): void {
    this.pendingSnapshot = snapshot;
    this.timer ??= setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  /** Writes what is scheduled now. Failures are logged, not thrown: the state is an optimisation. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const snapshot = this.pendingSnapshot;
    this.pendingSnapshot = undefined;
    this.saving = this.saving.then(async () => {
      if (snapshot !== undefined) {
        try {
          await writeAtomically(this.path, JSON.stringify(snapshot()));
        } catch (error) {
          this.logger.warn('cannot save the nostr state', { path: this.path, error: describeError(error) });
        }
      }
    });
    return this.saving;
  }
}

function isSavedState(value: unknown): value is SavedState {
  if (typeof value !== 'object' || value === null) return false;
  const { cursor, committed } = value as Partial<SavedState>;
  return (
    Number.isSafeInteger(cursor) &&
    typeof committed === 'object' &&
    committed !== null &&
    !Array.isArray(committed) &&
    Object.entries(committed).every(([id, createdAt]) => /^[0-9a-f]{64}$/.test(id) && Number.isSafeInteger(createdAt))
  );
}

async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
