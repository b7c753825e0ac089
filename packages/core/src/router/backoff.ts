/** Retry delays: the schedule's n-th step (the last one repeats), spread by ±20 % jitter. */

/** Delay before retry round `retryCount` (1 = the first retry). */
export function backoffDelayMs(scheduleMs: readonly number[], retryCount: number, random: () => number = Math.random): number {
  if (scheduleMs.length === 0) throw new RangeError('the retry schedule is empty');
  const step = scheduleMs[Math.min(Math.max(retryCount, 1), scheduleMs.length) - 1] ?? 0;
  return jittered(step, random);
}

/** Jitter keeps many senders that failed together from retrying in lockstep. */
export function jittered(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs * (0.8 + 0.4 * random()));
}
