/**
 * A token bucket per source IP (threat model T23): `burst` requests at once, then
 * `perSecond`. The table of sources is bounded; the longest-idle source is forgotten
 * first, which only ever gives that source a fresh burst.
 */
const MAX_SOURCES = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(source: string): RateDecision {
    if (this.perSecond === 0) return { allowed: true };
    const now = this.now();
    const bucket = this.buckets.get(source) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    // Re-inserting keeps the Map in least-recently-used order.
    this.buckets.delete(source);
    this.buckets.set(source, bucket);
    if (this.buckets.size > MAX_SOURCES) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }
}
