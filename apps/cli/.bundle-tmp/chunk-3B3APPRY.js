import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);

// dist/report.js
function describeAttempts(attempts) {
  return attempts.map((attempt) => {
    const why = attempt.error ? `: ${attempt.error.message}` : attempt.detail ? ` (${attempt.detail})` : "";
    return `  ${attempt.outcome.padEnd(10)} ${attempt.transport.padEnd(12)} ${String(attempt.duration_ms).padStart(5)} ms${why}`;
  }).join("\n");
}

export {
  describeAttempts
};
