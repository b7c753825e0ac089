/**
 * Peers: `peers/<name>.yml`, one pinned key per peer. The receive pipeline looks a
 * sender up on every envelope, so lookups re-check the file (inode, size, mtime,
 * ctime) and pick up a trust change or revocation written by another process at once,
 * while parsed records and keys stay cached and are not re-read or re-parsed per message.
 */
import { statSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { MAX_KEY_BYTES, type PublicKeyHandle, readPublicKey } from '../crypto/index.js';
import { FINGERPRINT_PATTERN, TIMESTAMP_PATTERN, TRANSPORT_NAME_PATTERN } from '../envelope/schema.js';
import { ConfigError, ErrorCode, KeyError, SkcommError } from '../errors.js';
import { TRUST_LEVELS, type TrustLevel } from '../message.js';
import { errnoOf, storageErrorOf, syncDirectory } from './fs-atomic.js';
import { readYamlFile, validateWith, writeYamlFile } from './yaml-file.js';

/** Peer names become file names: nothing that could climb out of peers/. */
export const PEER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

/**
 * Trust given to a peer added without an explicit level. `verified`: the user imported
 * this key by hand for this name, so messages are delivered, but remote `command`s still
 * need an explicit raise to `trusted`.
 */
export const DEFAULT_PEER_TRUST: TrustLevel = 'verified';

const MAX_ADDRESS_LENGTH = 2048;

const peerName = v.pipe(v.string(), v.regex(PEER_NAME_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'));
const transportName = v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'));
const address = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ADDRESS_LENGTH));
const timestamp = v.pipe(v.string(), v.regex(TIMESTAMP_PATTERN, 'must be ISO-8601 UTC with milliseconds'));

export const peerRecordSchema = v.strictObject({
  name: peerName,
  fingerprint: v.pipe(v.string(), v.regex(FINGERPRINT_PATTERN, 'must be a full uppercase hex fingerprint')),
  trust: v.picklist(TRUST_LEVELS),
  revoked: v.optional(v.boolean(), false),
  revoked_at: v.optional(timestamp),
  addresses: v.optional(v.record(transportName, address), {}),
  public_key: v.pipe(
    v.string(),
    v.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----', 'must be an armored OpenPGP public key'),
    v.maxLength(MAX_KEY_BYTES),
  ),
  added_at: timestamp,
});

export type PeerRecord = v.InferOutput<typeof peerRecordSchema>;

export interface PeerWithKey {
  record: PeerRecord;
  key: PublicKeyHandle;
}

export interface AddPeerInput {
  name: string;
  armoredPublicKey: string;
  /** Default DEFAULT_PEER_TRUST (`verified`). */
  trust?: TrustLevel;
  /** Transport name -> address (URL, host:port, ...). */
  addresses?: Record<string, string>;
}

interface CachedFile {
  stamp: string;
  record: PeerRecord;
}

export class PeerStore {
  private readonly files = new Map<string, CachedFile>();
  private readonly nameByFingerprint = new Map<string, string>();
  private readonly keys = new Map<string, { armored: string; handle: PublicKeyHandle }>();
  private readonly now: () => Date;

  constructor(
    readonly directory: string,
    options: { now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Pins a new peer. The key is validated; a taken name (any case) or fingerprint is E_ALREADY_EXISTS. */
  async add(input: AddPeerInput): Promise<PeerRecord> {
    const name = validateWith(peerName, input.name, 'peer name');
    const key = await readPublicKey(input.armoredPublicKey);
    const existing = await this.scan(false);
    const sameName = existing.find((record) => record.name.toLowerCase() === name.toLowerCase());
    if (sameName !== undefined) {
      throw new ConfigError(ErrorCode.AlreadyExists, `a peer named "${sameName.name}" already exists`, { field: 'name' });
    }
    const sameKey = existing.find((record) => record.fingerprint === key.fingerprint);
    if (sameKey !== undefined) {
      throw new ConfigError(ErrorCode.AlreadyExists, `the key ${key.fingerprint} is already pinned for peer "${sameKey.name}"`, {
        field: 'fingerprint',
      });
    }
    const record = validateWith(
      peerRecordSchema,
      {
        name,
        fingerprint: key.fingerprint,
        trust: input.trust ?? DEFAULT_PEER_TRUST,
        revoked: false,
        addresses: input.addresses ?? {},
        public_key: key.armored,
        added_at: this.now().toISOString(),
      },
      `peer ${name}`,
    );
    await writeYamlFile(this.pathOf(name), record, { exclusive: true });
    this.keys.set(key.fingerprint, { armored: key.armored, handle: key });
    return record;
  }

  /** All peers, by name. A malformed peer file is an error naming the file and key. */
  async list(): Promise<PeerRecord[]> {
    return (await this.scan(true)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<PeerRecord | undefined> {
    if (!PEER_NAME_PATTERN.test(name)) return undefined;
    return (await this.load(name, true))?.record;
  }

  /**
   * The peer pinned for `fingerprint`, with its parsed key; undefined when none is.
   * Throws a KeyError when the stored key is unusable (E_KEY_REVOKED for an OpenPGP
   * revocation), a StorageError when the directory cannot be read. Malformed peer files
   * are skipped here, so one bad file does not stop a receive loop.
   */
  async findByFingerprint(fingerprint: string): Promise<PeerWithKey | undefined> {
    const known = this.nameByFingerprint.get(fingerprint);
    let record = known === undefined ? undefined : (await this.load(known, false))?.record;
    if (record?.fingerprint !== fingerprint) {
      await this.scan(false);
      const name = this.nameByFingerprint.get(fingerprint);
      record = name === undefined ? undefined : this.files.get(name)?.record;
    }
    if (record === undefined) return undefined;
    return { record, key: await this.keyOf(record) };
  }

  async remove(name: string): Promise<void> {
    await this.require(name);
    try {
      await unlink(this.pathOf(name));
      await syncDirectory(this.directory);
    } catch (cause) {
      throw storageErrorOf(cause, `cannot remove peer ${name}`);
    }
    this.forget(name);
  }

  async setTrust(name: string, trust: TrustLevel): Promise<PeerRecord> {
    const level = validateWith(peerRecordSchema.entries.trust, trust, 'trust level');
    return this.update(name, (record) => ({ ...record, trust: level }));
  }

  /** Marks the peer revoked: its envelopes are rejected from the next lookup on, in every process. */
  async revoke(name: string): Promise<PeerRecord> {
    return this.update(name, (record) => ({ ...record, revoked: true, revoked_at: this.now().toISOString() }));
  }

  async setAddress(name: string, transport: string, value: string): Promise<PeerRecord> {
    validateWith(transportName, transport, 'transport name');
    validateWith(address, value, `address for ${transport}`);
    return this.update(name, (record) => ({ ...record, addresses: { ...record.addresses, [transport]: value } }));
  }

  private pathOf(name: string): string {
    return join(this.directory, `${name}.yml`);
  }

  private async require(name: string): Promise<PeerRecord> {
    const record = await this.get(name);
    if (record === undefined) throw new ConfigError(ErrorCode.NotFound, `no peer named "${name}"`, { field: 'name' });
    return record;
  }

  private async update(name: string, change: (record: PeerRecord) => PeerRecord): Promise<PeerRecord> {
    const record = validateWith(peerRecordSchema, change(await this.require(name)), `peer ${name}`);
    await writeYamlFile(this.pathOf(name), record);
    return record;
  }

  /** Reads one peer file unless it is unchanged since the last read. */
  private async load(name: string, strict: boolean): Promise<CachedFile | undefined> {
    const path = this.pathOf(name);
    let stamp: string;
    try {
      // Synchronous on purpose: a send looks its peer up about three times, and a stat of a
      // local file costs ~2 µs of CPU this way against ~40 µs through the libuv pool.
      const stats = statSync(path);
      stamp = `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    } catch (cause) {
      const error = storageErrorOf(cause, `cannot read peer ${name}`);
      if (error.code !== ErrorCode.NotFound) throw error;
      this.forget(name);
      return undefined;
    }
    const cached = this.files.get(name);
    if (cached?.stamp === stamp) return cached;
    let record: PeerRecord;
    try {
      record = await readYamlFile(path, peerRecordSchema);
      if (record.name !== name) {
        throw new ConfigError(ErrorCode.ConfigInvalid, `${path}: key name: "${record.name}" does not match the file name`, { field: 'name' });
      }
    } catch (error) {
      this.forget(name);
      const errno = errnoOf((error as Error).cause);
      if (errno === 'ENOENT') return undefined; // removed between the stat and the read
      // Lenient lookups skip a malformed or non-regular file; an I/O failure always propagates.
      if (strict || !SkcommError.is(error) || errno !== undefined) throw error;
      return undefined;
    }
    const entry = { stamp, record };
    this.files.set(name, entry);
    this.nameByFingerprint.set(record.fingerprint, name);
    return entry;
  }

  /** Re-reads the directory; `strict` makes a malformed file an error instead of skipping it. */
  private async scan(strict: boolean): Promise<PeerRecord[]> {
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (cause) {
      throw storageErrorOf(cause, `cannot list ${this.directory}`);
    }
    const names = new Set(
      entries.filter((entry) => entry.endsWith('.yml')).map((entry) => entry.slice(0, -4)).filter((name) => PEER_NAME_PATTERN.test(name)),
    );
    for (const name of this.files.keys()) if (!names.has(name)) this.forget(name);
    const records: PeerRecord[] = [];
    for (const name of names) {
      const loaded = await this.load(name, strict);
      if (loaded !== undefined) records.push(loaded.record);
    }
    this.nameByFingerprint.clear();
    for (const record of records) this.nameByFingerprint.set(record.fingerprint, record.name);
    return records;
  }

  private forget(name: string): void {
    const cached = this.files.get(name);
    this.files.delete(name);
    if (cached !== undefined && this.nameByFingerprint.get(cached.record.fingerprint) === name) {
      this.nameByFingerprint.delete(cached.record.fingerprint);
    }
  }

  /** The parsed key, re-parsed only when the armored text changed. */
  private async keyOf(record: PeerRecord): Promise<PublicKeyHandle> {
    const cached = this.keys.get(record.fingerprint);
    if (cached?.armored === record.public_key) return cached.handle;
    const handle = await readPublicKey(record.public_key);
    if (handle.fingerprint !== record.fingerprint) {
      throw new KeyError(ErrorCode.KeyInvalid, `peer ${record.name} pins ${record.fingerprint}, but its public_key is ${handle.fingerprint}`);
    }
    this.keys.set(record.fingerprint, { armored: record.public_key, handle });
    return handle;
  }
}
