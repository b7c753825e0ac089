/**
 * A timeout that fires only after the I/O already waiting has been handled. Gift
 * wrapping is CPU-bound (about 8 ms each, synchronous): after a burst of sends, a plain
 * timer would fire in the same event-loop turn as the relay's prompt answer, before that
 * answer is read, and turn it into a timeout. Deferring to setImmediate lets the poll
 * phase deliver what already arrived first.
 */
export function deadline(ms: number): { expired: Promise<'timeout'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      immediate = setImmediate(() => resolve('timeout'));
    }, ms);
  });
  return {
    expired,
    cancel() {
      clearTimeout(timer);
      if (immediate !== undefined) clearImmediate(immediate);
    },
  };
}

/** `work`'s value, or 'timeout' once `ms` passed (see deadline()). */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  const limit = deadline(ms);
  try {
    return await Promise.race([work, limit.expired]);
  } finally {
    limit.cancel();
  }
}
