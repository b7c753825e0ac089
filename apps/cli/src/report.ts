import type { AttemptReport } from '@skcomm/core/agent';

/** One line per routing attempt, for humans. */
export function describeAttempts(attempts: AttemptReport[]): string {
  return attempts
    .map((attempt) => {
      const why = attempt.error ? `: ${attempt.error.message}` : attempt.detail ? ` (${attempt.detail})` : '';
      return `  ${attempt.outcome.padEnd(10)} ${attempt.transport.padEnd(12)} ${String(attempt.duration_ms).padStart(5)} ms${why}`;
    })
    .join('\n');
}
