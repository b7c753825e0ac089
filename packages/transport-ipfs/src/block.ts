/**
 * An envelope as an IPFS block: raw codec, sha2-256, CIDv1 (`bafkrei...`). Nothing else
 * is accepted in an announce, so a peer cannot make the recipient fetch a DAG, a huge
 * file or a block under a hash function we do not verify ourselves.
 */
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { create as createDigest } from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';

const SHA2_256_LENGTH = 32;

export function envelopeCid(bytes: Uint8Array): CID {
  const digest = createHash('sha256').update(bytes).digest();
  return CID.createV1(raw.code, createDigest(sha256.code, new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)));
}

/** A problem with `cid` as the name of an envelope block, or undefined when it is one. */
export function envelopeCidProblem(cid: CID): string | undefined {
  if (cid.version !== 1) return `CID version ${cid.version}; only CIDv1 is accepted`;
  if (cid.code !== raw.code) return `codec 0x${cid.code.toString(16)}; only raw (0x55) is accepted`;
  if (cid.multihash.code !== sha256.code || cid.multihash.size !== SHA2_256_LENGTH) {
    return `multihash 0x${cid.multihash.code.toString(16)}; only sha2-256 is accepted`;
  }
  return undefined;
}

/** True when `bytes` are exactly the block `cid` names (hashed here, whatever the block layer checked). */
export function blockMatches(cid: CID, bytes: Uint8Array): boolean {
  return envelopeCid(bytes).equals(cid);
}

/** Parses a CID string; undefined when it is not one. */
export function parseCid(text: string): CID | undefined {
  try {
    return CID.parse(text);
  } catch {
    return undefined;
  }
}
