/**
 * The `webrtc_signal` payloads the agents exchange through the relay's signaling broker:
 * an offer or an answer with its full SDP (candidates gathered before sending: with no
 * STUN server, gathering the one host candidate takes a few milliseconds). `session`
 * ties an answer to its offer; a restarted or re-dialling peer starts a new session.
 */
import * as v from 'valibot';

export const SIGNAL_TYPE = 'webrtc_signal';
const MAX_SDP_LENGTH = 32 * 1024;

const signalSchema = v.strictObject({
  type: v.literal(SIGNAL_TYPE),
  kind: v.picklist(['offer', 'answer']),
  session: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  sdp: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_SDP_LENGTH)),
});

export type SignalMessage = v.InferOutput<typeof signalSchema>;

export class SignalMessageError extends Error {
  override readonly name = 'SignalMessageError';
}

export function encodeSignalMessage(message: SignalMessage): Uint8Array {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export function decodeSignalMessage(payload: Uint8Array): SignalMessage {
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    throw new SignalMessageError('signal is not UTF-8 JSON', { cause: error });
  }
  const result = v.safeParse(signalSchema, document);
  if (!result.success) throw new SignalMessageError(`signal is not a webrtc_signal: ${v.getDotPath(result.issues[0]) ?? '(root)'} ${result.issues[0].message}`);
  return result.output;
}
