/** One poll of a transport through the pipeline, with a summary for CLIs and daemons. */
import type { ErrorCode } from '../errors.js';
import type { VerifiedMessage } from '../message.js';
import type { ReceiveOptions, Transport } from '../transport/contract.js';
import type { ReceivePipeline } from './pipeline.js';

export interface ReceiveRejection {
  code: ErrorCode;
  message: string;
  field?: string;
  quarantineId: string;
  transport: string;
  source?: string;
}

export interface ReceiveAllResult {
  received: number;
  accepted: number;
  duplicates: number;
  /** Verified acks for envelopes this agent sent. */
  acks: number;
  rejected: number;
  /** The messages accepted by this poll, in arrival order. */
  messages: VerifiedMessage[];
  rejections: ReceiveRejection[];
}

/** Polls `transport.receive()` once and processes each envelope in order. Storage errors propagate. */
export async function receiveAll(
  transport: Pick<Transport, 'receive'>,
  pipeline: ReceivePipeline,
  options: ReceiveOptions = {},
): Promise<ReceiveAllResult> {
  const result: ReceiveAllResult = { received: 0, accepted: 0, duplicates: 0, acks: 0, rejected: 0, messages: [], rejections: [] };
  for (const inbound of await transport.receive(options)) {
    result.received++;
    const outcome = await pipeline.process(inbound);
    if (outcome.status === 'accepted') {
      result.accepted++;
      result.messages.push(outcome.message);
    } else if (outcome.status === 'duplicate') {
      result.duplicates++;
    } else if (outcome.status === 'ack') {
      result.acks++;
    } else {
      result.rejected++;
      const { error } = outcome;
      result.rejections.push({
        code: error.code,
        message: error.message,
        ...(error.field === undefined ? {} : { field: error.field }),
        quarantineId: outcome.quarantineId,
        transport: inbound.transport,
        ...(inbound.source === undefined ? {} : { source: inbound.source }),
      });
    }
  }
  return result;
}
