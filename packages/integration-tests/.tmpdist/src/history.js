export function checkHistory(history) {
    const attempted = new Set(history.attempted);
    const confirmed = new Set(history.confirmed);
    const counts = new Map();
    for (const message of history.consumed)
        counts.set(message, (counts.get(message) ?? 0) + 1);
    const verdict = { ok: 0, lost: [], duplicated: [], unexpected: [], indeterminate: [], valid: false };
    for (const [message, count] of counts) {
        if (!attempted.has(message) && !confirmed.has(message))
            verdict.unexpected.push(message);
        else if (count > 1)
            verdict.duplicated.push(message);
        else
            verdict.ok++;
    }
    for (const message of new Set([...attempted, ...confirmed])) {
        if (counts.has(message))
            continue;
        if (confirmed.has(message))
            verdict.lost.push(message);
        else
            verdict.indeterminate.push(message);
    }
    verdict.valid = verdict.lost.length === 0 && verdict.duplicated.length === 0 && verdict.unexpected.length === 0;
    return verdict;
}
/** One line per run for the test log, e.g. "R7 broadcast: ok 300, lost 0, duplicated 0, unexpected 0". */
export function summarize(name, verdict) {
    return `${name}: ok ${verdict.ok}, lost ${verdict.lost.length}, duplicated ${verdict.duplicated.length}, unexpected ${verdict.unexpected.length}, indeterminate ${verdict.indeterminate.length}`;
}
//# sourceMappingURL=history.js.map