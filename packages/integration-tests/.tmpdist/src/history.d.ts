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
export declare function checkHistory(history: History): Verdict;
/** One line per run for the test log, e.g. "R7 broadcast: ok 300, lost 0, duplicated 0, unexpected 0". */
export declare function summarize(name: string, verdict: Verdict): string;
//# sourceMappingURL=history.d.ts.map