/**
 * The `/skcomm/ipfs-announce/1.0.0` protocol: on a fresh libp2p stream the sender writes
 * one length-prefixed announce frame, the recipient fetches the block by CID with
 * bitswap, queues it and answers with one reply frame; then both close the stream.
 *
 *   announce  {"v":1,"cid":"bafkrei...","size":1234,"to":"<recipient fingerprint>"}
 *   reply     {"v":1,"ok":true}  or  {"v":1,"ok":false,"reason":"busy","message":"..."}
 *
 * Frames are UTF-8 JSON, at most MAX_FRAME_BYTES. Decoding never throws: bad input is a
 * value the caller answers with a refusal.
 */
import * as v from 'valibot';
import { FINGERPRINT_PATTERN } from '@skcomm/core';
import type { CID } from 'multiformats/cid';
import { envelopeCidProblem, parseCid } from './block.js';
import { isRefusalReason, type RefusalReason } from './errors.js';

export const ANNOUNCE_PROTOCOL = '/skcomm/ipfs-announce/1.0.0';
/** Far more than any frame needs (a CID and a fingerprint); limits what a peer can make us buffer. */
export const MAX_FRAME_BYTES = 4096;
const MAX_MESSAGE_LENGTH = 500;

export interface Announce {
  cid: CID;
  size: number;
  to: string;
}

export type Reply = { ok: true } | { ok: false; reason: RefusalReason; message: string };

const announceSchema = v.strictObject({
  v: v.literal(1),
  cid: v.pipe(v.string(), v.maxLength(200)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
  to: v.pipe(v.string(), v.regex(FINGERPRINT_PATTERN)),
});

const replySchema = v.union([
  v.object({ v: v.literal(1), ok: v.literal(true) }),
  v.object({ v: v.literal(1), ok: v.literal(false), reason: v.string(), message: v.optional(v.string(), '') }),
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeAnnounce(announce: Announce): Uint8Array {
  return encoder.encode(JSON.stringify({ v: 1, cid: announce.cid.toString(), size: announce.size, to: announce.to }));
}

export function decodeAnnounce(frame: Uint8Array): { announce: Announce } | { problem: string } {
  const document = parseJson(frame);
  if ('problem' in document) return document;
  const result = v.safeParse(announceSchema, document.value);
  if (!result.success) return { problem: `not an announce: ${v.getDotPath(result.issues[0]) ?? 'frame'} ${result.issues[0].message}` };
  const cid = parseCid(result.output.cid);
  if (cid === undefined) return { problem: 'not an announce: cid does not parse' };
  const cidProblem = envelopeCidProblem(cid);
  if (cidProblem !== undefined) return { problem: `not an envelope block: ${cidProblem}` };
  return { announce: { cid, size: result.output.size, to: result.output.to } };
}

export function encodeReply(reply: Reply): Uint8Array {
  if (reply.ok) return encoder.encode('{"v":1,"ok":true}');
  return encoder.encode(JSON.stringify({ v: 1, ok: false, reason: reply.reason, message: reply.message.slice(0, MAX_MESSAGE_LENGTH) }));
}

/** A reply, or the problem with the frame. An unknown refusal reason is a problem, not a guess. */
export function decodeReply(frame: Uint8Array): { reply: Reply } | { problem: string } {
  const document = parseJson(frame);
  if ('problem' in document) return document;
  const result = v.safeParse(replySchema, document.value);
  if (!result.success) return { problem: 'the reply is not an announce reply' };
  const output = result.output;
  if (output.ok) return { reply: { ok: true } };
  if (!isRefusalReason(output.reason)) return { problem: `the reply names an unknown reason ${JSON.stringify(output.reason.slice(0, 40))}` };
  return { reply: { ok: false, reason: output.reason, message: output.message.slice(0, MAX_MESSAGE_LENGTH) } };
}

function parseJson(frame: Uint8Array): { value: unknown } | { problem: string } {
  if (frame.length > MAX_FRAME_BYTES) return { problem: `frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}` };
  try {
    return { value: JSON.parse(decoder.decode(frame)) as unknown };
  } catch {
    return { problem: 'frame is not UTF-8 JSON' };
  }
}
