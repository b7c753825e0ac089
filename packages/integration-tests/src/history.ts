/**
 * A Jepsen-style history checker (threat model (c), A8 "total queue"): every message the
 * test tried to send is classified by what the application finally consumed.
 *
 * - ok: consumed exactly once;
 * - lost: the sender was told it is durable (send resolved), and it was never consumed;
 * - duplicated: consumed more than once;
 * - unexpected: consumed, but never sent;
 * - indeterminate: the sender crashed before being told, and it was never consumed
 *   (allowed: Jepsen's "unknown outcome"; when consumed once it counts as ok).
 *
 * Pass: lost = duplicated = unexpected = 0.
 */
export interface History {
  /** Every message a sender began to send. */
  attempted: Iterable<string>;
  /** Messages whose send resolved: durable in the outbox. */
  confirmed: Iterable<string>;
  /** What the application consumed, in order, with repetitions. */
  consumed: Iterable<string>;
}

export interface Verdict {
  ok: number;
  lost: string[];
  duplicated: string[];
  unexpected: string[];
  indeterminate: string[];
  valid: boolean;
}

export function checkHistory(history: History): Verdict {
  const attempted = new Set(history.attempted);
  const confirmed = new Set(history.confirmed);
  const counts = new Map<string, number>();
  for (const message of history.consumed) counts.set(message, (counts.get(message) ?? 0) + 1);
  const verdict: Verdict = { ok: 0, lost: [], duplicated: [], unexpected: [], indeterminate: [], valid: false };
  for (const [message, count] of counts) {
    if (!attempted.has(message) && !confirmed.has(message)) verdict.unexpected.push(message);
    else if (count > 1) verdict.duplicated.push(message);
    else verdict.ok++;
  }
  for (const message of new Set([...attempted, ...confirmed])) {
    if (counts.has(message)) continue;
    if (confirmed.has(message)) verdict.lost.push(message);
    else verdict.indeterminate.push(message);
  }
  verdict.valid = verdict.lost.length === 0 && verdict.duplicated.length === 0 && verdict.unexpected.length === 0;
  return verdict;
}

/** One line per run for the test log, e.g. "R7 broadcast: ok 300, lost 0, duplicated 0, unexpected 0". */
export function summarize(name: string, verdict: Verdict): string {
  return `${name}: ok ${verdict.ok}, lost ${verdict.lost.length}, duplicated ${verdict.duplicated.length}, unexpected ${verdict.unexpected.length}, indeterminate ${verdict.indeterminate.length}`;
}
