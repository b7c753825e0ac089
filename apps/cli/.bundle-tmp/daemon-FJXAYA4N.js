import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  UsageError
} from "./chunk-FNB4SA6O.js";
import {
  runDaemon
} from "./chunk-4LHG5XEC.js";
import "./chunk-JURT7EM5.js";
import {
  createFileLogger
} from "./chunk-RGUND62D.js";
import "./chunk-OVD7XGGP.js";
import "./chunk-GFALYBZX.js";
import "./chunk-N43RZNLB.js";

// dist/commands/daemon.js
async function daemon(context, options) {
  const pollIntervalMs = Number(options.pollInterval);
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 10)
    throw new UsageError(`--poll-interval must be a whole number of ms >= 10, got "${options.pollInterval}"`);
  const agent = await context.agent();
  const logger = createFileLogger(agent.layout.transportLogFile);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const summary = await runDaemon(agent, {
      signal: stop.signal,
      logger,
      pollIntervalMs,
      onReady: () => context.err.write(`skcomm daemon: running for ${agent.name} (pid ${process.pid}); logs in ${agent.layout.transportLogFile}
`)
    });
    context.print({ ok: true, ...summary }, `skcomm daemon: stopped (${summary.received} envelopes received, ${summary.retried} retries)`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
export {
  daemon as default
};
