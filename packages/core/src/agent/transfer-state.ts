/**
 * Where an outgoing streamed transfer stands, beside its record in `<home>/queue/files/`:
 * `<transfer_id>.state.json` (the record itself, `<transfer_id>.json`, holds the key and is
 * written once). The state says whether the transfer still has to reach the receiver
 * (`queued`, with a persisted next attempt, so a restarted daemon keeps the backoff) or
 * was handed off and waits for the signed ack (until its persisted deadline, then sent again). A record without a state file is `queued`
 * and due now (a send that crashed before its first attempt ended).
 *
 * `<transfer_id>.lock` keeps two processes (a daemon, a `skcomm send --file`) from
 * sending one transfer at once; inside one process a set does the same.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SkcommError, StorageError } from '../errors.js';
import type { OutgoingTransferStore } from '../files/transfer-store.js';
import { acquireHomeLock } from '../store/home-lock.js';
import { errnoOf, readRegularFile, writeFileAtomic } from '../store/fs-atomic.js';

export interface TransferState {
  /** `queued`: not yet at the receiver, retried when due; `handed-off`: the receiver holds it all, waiting for the ack. */
  state: 'queued' | 'handed-off';
  /** Rounds so far (each one already retried within itself): without a hand-off, or handed off and the ack overdue. */
  rounds: number;
  /**
   * When the transfer is tried again (ISO-8601): queued, the next attempt; handed off, the
   * moment its ack is overdue. Null in a state written before ack deadlines: due now.
   */
  next_attempt_at: string | null;
  last_error: { code: string; message: string; at: string } | null;
  /** The transport that took it. */
  via: string | null;
  updated_at: string;
}

const MAX_STATE_BYTES = 64 * 1024;

function statePath(directory: string, transferId: string): string {
  return join(directory, `${transferId}.state.json`);
}

/** The saved state; undefined when there is none or it is unreadable (then the transfer counts as due). */
export async function readTransferState(directory: string, transferId: string): Promise<TransferState | undefined> {
  try {
    const parsed = JSON.parse((await readRegularFile(statePath(directory, transferId), MAX_STATE_BYTES)).toString('utf8')) as Partial<TransferState>;
    const valid =
      (parsed.state === 'queued' || parsed.state === 'handed-off') &&
      Number.isInteger(parsed.rounds) &&
      (parsed.next_attempt_at === null || (typeof parsed.next_attempt_at === 'string' && !Number.isNaN(Date.parse(parsed.next_attempt_at))));
    return valid ? (parsed as TransferState) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeTransferState(directory: string, transferId: string, state: TransferState): Promise<void> {
  await writeFileAtomic(statePath(directory, transferId), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Forgets a transfer: its record (with the key) first, then its state. */
export async function removeTransfer(store: OutgoingTransferStore, transferId: string): Promise<void> {
  await store.remove(transferId);
  const path = statePath(store.directory, transferId);
  await unlink(path).catch((cause: unknown) => {
    if (errnoOf(cause) !== 'ENOENT') throw StorageError.fromFs(cause, `cannot remove ${path}`);
  });
}

export interface TransferLock {
  release(): Promise<void>;
}

const heldHere = new Set<string>();

/** Takes the transfer's lock; undefined when this or another live process is sending it now. */
export async function lockTransfer(directory: string, transferId: string): Promise<TransferLock | undefined> {
  const path = join(directory, `${transferId}.lock`);
  if (heldHere.has(path)) return undefined;
  heldHere.add(path);
  try {
    const lock = await acquireHomeLock(path);
    return {
      release: async () => {
        heldHere.delete(path);
        await lock.release();
      },
    };
  } catch (error) {
    heldHere.delete(path);
    if (SkcommError.hasCode(error, ErrorCode.AlreadyExists)) return undefined;
    throw error;
  }
}
