/** A data-channel frame that breaks the protocol: the link that carried it is closed. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}
