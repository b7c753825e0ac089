/**
 * How an attachment is cut (transport contract, OutgoingAttachment): every chunk is
 * `chunkBytes` long except the last, which holds the rest; an empty attachment is one
 * empty chunk. Senders, receiving spools and the file cipher all count the same way.
 */
export function attachmentChunkCount(size: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(size / chunkBytes));
}

/** Bytes of chunk `index` (0-based, assumed in range). */
export function attachmentChunkLength(size: number, chunkBytes: number, index: number): number {
  const last = attachmentChunkCount(size, chunkBytes) - 1;
  return index < last ? chunkBytes : size - last * chunkBytes;
}
