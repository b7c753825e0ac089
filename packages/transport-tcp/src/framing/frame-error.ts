/** Why a byte stream could not be cut into frames. The listener replies `ERR <reason>` and closes. */
export type FrameErrorReason = 'frame-too-large' | 'not-json-object' | 'empty-frame' | 'truncated';

export class FrameError extends Error {
  readonly reason: FrameErrorReason;
  /** Frames the same chunk completed before the bad bytes: they are good and get acked first. */
  completedFrames: Uint8Array[] = [];

  constructor(reason: FrameErrorReason, message: string) {
    super(message);
    this.name = 'FrameError';
    this.reason = reason;
  }
}

/** Cuts a byte stream, fed in arbitrary chunks, into frames. */
export interface FrameDecoder {
  /**
   * Frames completed by this chunk, in order. Throws a FrameError on bytes that can never
   * form a frame, carrying the frames completed before them.
   */
  push(chunk: Uint8Array): Uint8Array[];
  /** The stream ended: throws FrameError('truncated') if a frame was cut off. */
  finish(): void;
  /** True while a frame has begun but not ended (drives the frame deadline). */
  readonly inFrame: boolean;
}

/** Joins collected chunks into one buffer. */
export function concatenate(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Runs `scan`, which appends to `frames`; a FrameError leaves with the frames completed so far. */
export function collectFrames(scan: (frames: Uint8Array[]) => void): Uint8Array[] {
  const frames: Uint8Array[] = [];
  try {
    scan(frames);
  } catch (error) {
    if (error instanceof FrameError) error.completedFrames = frames;
    throw error;
  }
  return frames;
}
