/**
 * A shared folder that damages some of what is written to it, as a failing disk or a
 * sync tool cutting files short does: every `every`-th envelope handed to this transport
 * lands in the real folder damaged (one character of the ciphertext changed, cut short,
 * or empty), in the file transport's layout, where the peer's real file transport finds
 * it. Everything else goes to the wrapped file transport unchanged.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InboundEnvelope, SendOptions, SendResult, SendTarget, Transport } from '@skcomm/core';
import { ENVELOPE_SUFFIX, type FileTransport } from '@skcomm/transport-file';

export type Damage = 'changed' | 'cut-short' | 'emptied';
const DAMAGES: readonly Damage[] = ['changed', 'cut-short', 'emptied'];
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export class DamagingFolder implements Transport {
  readonly specificationVersion: Transport['specificationVersion'];
  readonly name: string;
  readonly priority: number;
  readonly traits: Transport['traits'];
  /** Damaged envelopes by recipient fingerprint and kind of damage. */
  readonly damaged = new Map<string, Record<Damage, number>>();
  private written = 0;
  private damagedTotal = 0;

  constructor(
    private readonly inner: FileTransport,
    private readonly options: { root: string; every: number },
  ) {
    this.specificationVersion = inner.specificationVersion;
    this.name = inner.name;
    this.priority = inner.priority;
    this.traits = inner.traits;
  }

  start = () => this.inner.start();
  stop = () => this.inner.stop();
  isAvailable = () => this.inner.isAvailable();
  receive = (options?: Parameters<Transport['receive']>[0]) => this.inner.receive(options);
  subscribe = (onEnvelope: (envelope: InboundEnvelope) => void | Promise<void>) => this.inner.subscribe(onEnvelope);
  healthCheck = () => this.inner.healthCheck();

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    if (++this.written % this.options.every !== 0) return this.inner.send(bytes, target, options);
    const damage = DAMAGES[this.damagedTotal++ % DAMAGES.length] as Damage;
    const { envelope_id: envelopeId } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { envelope_id: string };
    const directory = join(this.options.root, target.fingerprint);
    const path = join(directory, `${envelopeId}${ENVELOPE_SUFFIX}`);
    const temporary = join(directory, `.${envelopeId}.damaged.tmp`);
    await mkdir(directory, { recursive: true });
    await writeFile(temporary, damaged(Buffer.from(bytes), damage, this.damagedTotal));
    await rename(temporary, path);
    const counts = this.damaged.get(target.fingerprint) ?? { changed: 0, 'cut-short': 0, emptied: 0 };
    counts[damage]++;
    this.damaged.set(target.fingerprint, counts);
    return { transport: this.name, detail: path };
  }
}

function damaged(bytes: Buffer, damage: Damage, serial: number): Buffer {
  if (damage === 'emptied') return Buffer.alloc(0);
  if (damage === 'cut-short') return bytes.subarray(0, Math.max(1, Math.floor((bytes.length * ((serial % 9) + 1)) / 10)));
  // One base64 character in the middle of the armored ciphertext (not part of a JSON
  // escape) becomes another: the decoded bytes differ, and the signatures cover them.
  const start = bytes.indexOf('-----BEGIN PGP MESSAGE-----');
  const end = bytes.indexOf('-----END PGP MESSAGE-----');
  let offset = start + Math.floor((end - start) / 2);
  const isBase64 = (index: number) => BASE64.includes(String.fromCharCode(bytes[index] ?? 0)) && bytes[index - 1] !== 0x5c;
  while (!isBase64(offset)) offset++;
  const copy = Buffer.from(bytes);
  copy[offset] = BASE64.charCodeAt((BASE64.indexOf(String.fromCharCode(bytes[offset] ?? 0)) + 1) % BASE64.length);
  return copy;
}
