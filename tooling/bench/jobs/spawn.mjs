/**
 * Cold start, hyperfine-style (`hyperfine -N`: no shell, output discarded): spawns one
 * command again and again and reports the median wall time of a spawn. Warm-up spawns
 * for `warmup` seconds (at least 2), then counted spawns for `duration` seconds (at
 * least `minRuns`).
 *
 * params: { argv: [cmd, ...args], setup?: [{ argv, stdout? }], env?: {}, cwd? }
 * Tokens in every string: {node} this node binary, {root} the repository root,
 * {bench} tooling/bench, {tmp} a fresh temporary directory (removed afterwards).
 * Setup steps run once, in order, before the warm-up; `stdout` names a file that gets
 * the step's standard output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { params, report, run } from './lib.mjs';

const bench = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(bench, '../..');

run(async () => {
  const options = params({ minRuns: 10, minWarmups: 2, env: {}, setup: [] });
  const tmp = mkdtempSync(join(tmpdir(), 'skcomm-bench-'));
  const fill = (text) =>
    text.replaceAll('{node}', process.execPath).replaceAll('{root}', root).replaceAll('{bench}', bench).replaceAll('{tmp}', tmp);
  const env = { ...process.env, ...Object.fromEntries(Object.entries(options.env).map(([key, value]) => [key, fill(value)])) };
  const cwd = fill(options.cwd ?? '{bench}');
  const spawn = (argv, stdio) => spawnSync(fill(argv[0]), argv.slice(1).map(fill), { cwd, env, stdio, encoding: 'utf8' });
  const check = (argv, result) => {
    if (result.status === 0) return;
    const lines = (result.stderr ?? '').split('\n').filter((line) => line.trim() !== '');
    const reason = lines.find((line) => /^\s*\w*Error\b/.test(line)) ?? lines.at(-1) ?? '';
    const why = result.error?.message ?? `exit ${result.status ?? result.signal}${reason ? `: ${reason.trim()}` : ''}`;
    // The template, not the filled-in command: stable across rounds, and long arguments shortened.
    const shown = argv.map((arg) => (arg.length > 40 ? `${arg.slice(0, 12)}…(${arg.length} chars)` : arg)).join(' ');
    throw new Error(`${shown} failed (${why})`);
  };
  try {
    for (const step of options.setup) {
      const result = spawn(step.argv, 'pipe');
      check(step.argv, result);
      if (step.stdout) writeFileSync(fill(step.stdout), result.stdout);
    }
    const once = () => {
      const started = process.hrtime.bigint();
      const result = spawn(options.argv, 'ignore');
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) check(options.argv, spawn(options.argv, 'pipe')); // again, to show why
      return ms;
    };
    const spawnFor = (seconds, atLeast) => {
      const times = [];
      const until = performance.now() + seconds * 1000;
      while (times.length < atLeast || performance.now() < until) times.push(once());
      return times;
    };
    spawnFor(options.warmup, options.minWarmups);
    const times = spawnFor(options.duration, options.minRuns).sort((a, b) => a - b);
    report({
      value: times[Math.floor(times.length / 2)] * 0.5 + times[Math.ceil(times.length / 2) - 1] * 0.5,
      unit: 'ms',
      better: 'lower',
      runs: times.length,
      minMs: times[0],
      maxMs: times.at(-1),
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
