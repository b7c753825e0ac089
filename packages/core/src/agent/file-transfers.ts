/**
 * The pending streamed transfers on disk, as `skcomm outbox list/show/purge` read them
 * (never the key), and the rule that forgets the ones whose envelope outlived its ttl.
 */
import { parseEnvelope } from '../envelope/parse.js';
import { type OutgoingTransferRecord, OutgoingTransferStore } from '../files/transfer-store.js';
import type { HomeLayout } from '../store/layout.js';
import type { PeerStore } from '../store/peers.js';
import type { Logger } from '../transport/contract.js';
import { outgoingTransfersDir } from './file-paths.js';
import { readTransferState, removeTransfer, type TransferState } from './transfer-state.js';

/** A streamed transfer not yet acked, as `skcomm outbox list` shows it (never the key). */
export interface PendingFileTransfer {
  transfer_id: string;
  envelope_id: string | null;
  name: string;
  path: string;
  /** The peer's name, or its fingerprint when it is no longer a peer. */
  peer: string;
  peer_fingerprint: string;
  size: number;
  state: TransferState['state'];
  rounds: number;
  /** Queued: the next attempt; handed off: when it is sent again if its ack has not come. Null: now. */
  next_attempt_at: string | null;
  last_error: TransferState['last_error'];
  via: string | null;
  created_at: string;
}

/** One pending transfer by transfer id or envelope id, as `skcomm outbox show` prints it; undefined when none matches. */
export async function findFileTransfer(layout: HomeLayout, peers: PeerStore, id: string): Promise<PendingFileTransfer | undefined> {
  return (await listFileTransfers(layout, peers)).find((transfer) => transfer.transfer_id === id || transfer.envelope_id === id);
}

export async function listFileTransfers(layout: HomeLayout, peers: PeerStore): Promise<PendingFileTransfer[]> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(layout));
  const pending: PendingFileTransfer[] = [];
  for (const record of await store.list()) {
    const state = await readTransferState(store.directory, record.transfer_id);
    let envelopeId: string | null = null;
    try {
      envelopeId = parseEnvelope(Buffer.from(record.envelope, 'base64')).envelope_id;
    } catch {
      // Listed anyway; the next send or daemon pass drops it as expired.
    }
    pending.push({
      transfer_id: record.transfer_id,
      envelope_id: envelopeId,
      name: record.manifest.name,
      path: record.path,
      peer: (await peers.findByFingerprint(record.peer))?.record.name ?? record.peer,
      peer_fingerprint: record.peer,
      size: record.size,
      state: state?.state ?? 'queued',
      rounds: state?.rounds ?? 0,
      next_attempt_at: state === undefined ? record.created_at : state.next_attempt_at,
      last_error: state?.last_error ?? null,
      via: state?.via ?? null,
      created_at: record.created_at,
    });
  }
  return pending;
}

/** Forgets a pending transfer by transfer id or envelope id; false when none matches. */
export async function forgetFileTransfer(layout: HomeLayout, id: string): Promise<boolean> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(layout));
  for (const record of await store.list()) {
    if (record.transfer_id !== id && envelopeIdOf(record) !== id) continue;
    await removeTransfer(store, record.transfer_id);
    return true;
  }
  return false;
}

/** The envelope id of a record; undefined when its envelope cannot be read. */
export function envelopeIdOf(record: OutgoingTransferRecord): string | undefined {
  try {
    return parseEnvelope(Buffer.from(record.envelope, 'base64')).envelope_id;
  } catch {
    return undefined;
  }
}

/** Records whose envelope has outlived its ttl can never be accepted: they go. */
export async function dropExpiredRecords(store: OutgoingTransferStore, logger: Logger): Promise<void> {
  for (const record of await store.list()) {
    if (hasExpired(record)) {
      await removeTransfer(store, record.transfer_id);
      logger.info('expired file transfer forgotten', { transfer_id: record.transfer_id });
    }
  }
}

/** Its envelope has outlived its ttl (or cannot be read): no receiver would accept it. */
export function hasExpired(record: OutgoingTransferRecord): boolean {
  try {
    const envelope = parseEnvelope(Buffer.from(record.envelope, 'base64'));
    return Date.now() > Date.parse(envelope.timestamp) + envelope.routing.ttl_seconds * 1000;
  } catch {
    return true;
  }
}
