import type { IncomingMessage } from 'node:http';

export type BodyReading = { kind: 'complete'; bytes: Uint8Array } | { kind: 'too-large' } | { kind: 'cut-off' };

/**
 * Reads a request body (Node has already undone chunked transfer coding) and gives up as
 * soon as more than `limit` bytes arrived: at most `limit` plus one chunk is ever held,
 * however much the client means to send.
 */
export function readBodyWithLimit(request: IncomingMessage, limit: number): Promise<BodyReading> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (reading: BodyReading) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      resolve(reading);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit) {
        chunks.length = 0;
        request.pause();
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: 'complete', bytes: new Uint8Array(Buffer.concat(chunks, total)) });
    const onClose = () => finish({ kind: 'cut-off' });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
    // An 'error' (client reset) is followed by 'close'; listening keeps it from being unhandled.
    request.on('error', () => undefined);
  });
}
