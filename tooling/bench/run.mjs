#!/usr/bin/env node
/**
 * `pnpm bench`: runs the jobs of registry.mjs, each in a fresh `node` process, for
 * several rounds with the job order shuffled every round, then prints per-job medians
 * and the ratios of each measured figure to its raw baseline from the SAME round.
 * This 2-core machine is shared and noisy: read the ratios, not the absolute numbers.
 *
 *   node tooling/bench/run.mjs [JOB|GROUP|PREFIX ...] [--rounds N] [--quick]
 *        [--warmup S] [--duration S] [--json FILE] [--list]
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jobs as allJobs, ratios as allRatios } from './registry.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '../..');

// ---------------------------------------------------------------- options
const { values: flags, positionals: selectors } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'string' },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').match(/\/\*\*([\s\S]*?)\*\//)[1].replace(/^ \* ?/gm, ''));
  process.exit(0);
}
if (flags.list) {
  for (const job of allJobs) process.stdout.write(`${job.name.padEnd(22)} ${job.what}${job.requires ? ` (needs ${job.requires})` : ''}\n`);
  process.exit(0);
}
const number = (text, name) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) fail(`--${name} must be a non-negative number, got "${text}"`);
  return value;
};
const rounds = flags.rounds !== undefined ? Math.max(1, Math.round(number(flags.rounds, 'rounds'))) : flags.quick ? 1 : 3;
const warmup = flags.warmup !== undefined ? number(flags.warmup, 'warmup') : flags.quick ? 0.1 : 0.3;
const duration = flags.duration !== undefined ? number(flags.duration, 'duration') : flags.quick ? 0.5 : 2;

const matches = (job, selector) => job.name === selector || job.group === selector || job.name.startsWith(selector);
for (const selector of selectors) {
  if (!allJobs.some((job) => matches(job, selector))) fail(`no job matches "${selector}" (see --list)`);
}
const selected = allJobs.filter((job) => selectors.length === 0 || selectors.some((selector) => matches(job, selector)));
const skipped = selected
  .filter((job) => job.requires && !existsSync(join(root, job.requires)))
  .map((job) => ({ name: job.name, reason: `${job.requires} not found (build apps/cli to include it)` }));
const jobs = selected.filter((job) => !skipped.some((skip) => skip.name === job.name));
if (jobs.length === 0) fail('nothing to run');

// ---------------------------------------------------------------- running
/** One job in a fresh process; resolves to its RESULT object or { error }. */
function runJob(job) {
  const params = JSON.stringify({ warmup, duration, ...job.params });
  const timeout = (60 + 20 * (warmup + duration)) * 1000;
  return new Promise((done) => {
    execFile(process.execPath, [join(bench, 'jobs', job.file), params], { cwd: bench, timeout, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').findLast((text) => text.startsWith('RESULT '));
      if (!error && line) return done(JSON.parse(line.slice('RESULT '.length)));
      const lines = `${stderr}`.split('\n').filter((text) => text.trim() !== '');
      const reason = lines.find((text) => /^\s*\w*Error\b/.test(text)) ?? lines[0] ?? error?.message ?? 'no RESULT line';
      done({ error: error?.killed ? `timed out after ${timeout / 1000} s` : reason.trim() });
    });
  });
}

/** Whole-machine CPU use between two samples of /proc/stat (Linux), in percent. */
function cpuSample() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
    return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait, steal };
  } catch {
    return undefined;
  }
}
function cpuBetween(before, after) {
  if (!before || !after) return undefined;
  const total = after.busy + after.idle - before.busy - before.idle;
  return { busyPct: (100 * (after.busy - before.busy)) / total, stealPct: (100 * (after.steal - before.steal)) / total };
}

function shuffle(list) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

const log = (text) => process.stderr.write(`${text}\n`);
log(`bench: ${jobs.length} jobs × ${rounds} round(s), warm-up ${warmup} s + ${duration} s each, fresh process per job`);
for (const skip of skipped) log(`  skipped ${skip.name}: ${skip.reason}`);

const roundLog = [];
for (let round = 1; round <= rounds; round++) {
  const order = shuffle(jobs);
  const before = cpuSample();
  const loadavg = os.loadavg()[0];
  const results = {};
  for (const [index, job] of order.entries()) {
    const result = await runJob(job);
    results[job.name] = result;
    const shown = result.error ? `FAILED: ${result.error}` : `${format(result.value, result.unit)}${result.cpuPerWall ? `  cpu/wall ${result.cpuPerWall.toFixed(2)}` : ''}`;
    log(`  [round ${round}/${rounds} ${index + 1}/${order.length}] ${job.name.padEnd(22)} ${shown}`);
  }
  const host = { loadavg1: loadavg, ...cpuBetween(before, cpuSample()) };
  roundLog.push({ round, order: order.map((job) => job.name), host, results });
  if (host.busyPct !== undefined) log(`  round ${round}: machine ${host.busyPct.toFixed(0)} % busy, steal ${host.stealPct.toFixed(1)} %, load ${loadavg.toFixed(2)}`);
}

// ---------------------------------------------------------------- summarising
function summary(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}
const valueOf = (round, name) => round.results[name]?.value;

const jobSummaries = jobs.map((job) => {
  const results = roundLog.map((round) => round.results[job.name]);
  const ok = results.find((result) => !result.error) ?? {};
  const cpu = summary(results.map((result) => result.cpuPerWall));
  const cpuPerOp = summary(results.map((result) => result.cpuUsPerOp));
  return {
    name: job.name,
    what: job.what,
    unit: ok.unit,
    better: ok.better,
    target: job.target,
    values: results.map((result) => result.value ?? null),
    errors: results.filter((result) => result.error).map((result) => result.error),
    cpuPerWall: cpu?.median,
    cpuUsPerOp: cpuPerOp?.median,
    ...summary(results.map((result) => result.value)),
  };
});
const byName = new Map(jobSummaries.map((job) => [job.name, job]));

const ratioSummaries = allRatios
  .filter((ratio) => byName.has(ratio.num) && byName.has(ratio.den))
  .map((ratio) => {
    const values = roundLog.map((round) => valueOf(round, ratio.num) / valueOf(round, ratio.den));
    // The same comparison by CPU time per operation (throughput jobs): den's CPU/op over num's.
    const cpuOf = (round, name) => round.results[name]?.cpuUsPerOp;
    const byCpu = summary(roundLog.map((round) => cpuOf(round, ratio.den) / cpuOf(round, ratio.num)));
    return {
      ...ratio,
      better: byName.get(ratio.num).better,
      values: values.map((v) => (Number.isFinite(v) ? v : null)),
      ...summary(values),
      byCpu,
    };
  });

// ---------------------------------------------------------------- output
function format(value, unit) {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  if (unit === 'ops/s') return `${Math.round(value).toLocaleString('en-US')}/s`;
  if (unit === '×') return `${value.toFixed(2)}×`;
  // Any other unit (MB/s, MiB, ...): three significant digits are all these machines resolve.
  return `${Number(value.toPrecision(3)).toLocaleString('en-US')} ${unit ?? ''}`.trimEnd();
}
function verdict(value, target, better) {
  if (target === undefined || value === undefined) return '';
  const [bound, sign] = typeof target === 'number' ? [target, better === 'lower' ? '≤' : '≥'] : target.min !== undefined ? [target.min, '≥'] : [target.max, '≤'];
  const ok = sign === '≥' ? value >= bound : value <= bound;
  return { bound, sign, ok };
}
function table(headers, rows) {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => String(row[column] ?? '').length)));
  const line = (cells) => `| ${cells.map((cell, column) => String(cell ?? '').padEnd(widths[column])).join(' | ')} |`;
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const out = [];
const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
let openpgpVersion = '?';
try {
  openpgpVersion = JSON.parse(readFileSync(join(bench, 'node_modules/openpgp/package.json'), 'utf8')).version;
} catch {}
out.push(
  `SKComm bench: ${rounds} round(s), warm-up ${warmup} s + ${duration} s per job, fresh process per job, order shuffled per round`,
  `node ${process.version}, openpgp ${openpgpVersion}, ${os.cpus().length} × ${cpuModel}`,
  ...roundLog
    .filter((round) => round.host.busyPct !== undefined)
    .map((round) => `round ${round.round}: machine ${round.host.busyPct.toFixed(0)} % busy incl. the bench itself (steal ${round.host.stealPct.toFixed(1)} %), load ${round.host.loadavg1.toFixed(2)}`),
  '',
  `Measurements: median over rounds (min–max)${rounds > 1 ? '' : ' (one round: no spread)'}`,
  '',
  table(
    ['job', 'what', 'median', 'min–max', 'cpu/wall', 'cpu µs/op', 'target'],
    jobSummaries.map((job) => {
      const check = verdict(job.median, job.target, job.better);
      return [
        job.name,
        job.what,
        job.errors.length === roundLog.length ? `FAILED` : format(job.median, job.unit),
        job.n > 1 ? `${format(job.min, job.unit)} – ${format(job.max, job.unit)}` : '',
        job.cpuPerWall === undefined ? '' : job.cpuPerWall.toFixed(2),
        job.cpuUsPerOp === undefined ? '' : job.cpuUsPerOp.toFixed(0),
        check ? `${check.sign} ${format(check.bound, job.unit)} ${check.ok ? 'ok' : 'MISSED'}` : '',
      ];
    }),
  ),
);
if (ratioSummaries.length > 0) {
  out.push(
    '',
    'Ratios, paired per round (A/B from the same round), median (min–max). "by cpu/op": the same',
    'comparison by CPU time per operation (B\'s CPU µs/op ÷ A\'s), a second view less tied to scheduling.',
    '',
  );
  out.push(
    table(
      ['section', 'ratio', 'median', 'min–max', 'by cpu/op', 'target', 'reading'],
      ratioSummaries.map((ratio, index) => {
        const check = verdict(ratio.median, ratio.target, ratio.better);
        return [
          index > 0 && ratioSummaries[index - 1].section === ratio.section ? '' : ratio.section,
          `${ratio.num} / ${ratio.den}`,
          format(ratio.median, '×'),
          ratio.n > 1 ? `${format(ratio.min, '×')} – ${format(ratio.max, '×')}` : '',
          ratio.byCpu ? format(ratio.byCpu.median, '×') : '',
          check ? `${check.sign} ${format(check.bound, '×')} ${check.ok ? 'ok' : 'MISSED'}` : '',
          ratio.reading,
        ];
      }),
    ),
  );
}
const notes = [
  ...skipped.map((skip) => `skipped ${skip.name}: ${skip.reason}`),
  ...jobSummaries.flatMap((job) => [...new Set(job.errors)].map((error) => `${job.name} failed in ${job.errors.length} round(s): ${error}`)),
];
if (notes.length > 0) out.push('', ...notes.map((note) => `note: ${note}`));
process.stdout.write(`${out.join('\n')}\n`);

if (flags.json) {
  const report = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      openpgp: openpgpVersion,
      cpus: os.cpus().length,
      cpuModel,
      rounds,
      warmupSeconds: warmup,
      durationSeconds: duration,
      selectors,
    },
    rounds: roundLog,
    jobs: jobSummaries,
    ratios: ratioSummaries,
    skipped,
  };
  writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${flags.json}`);
}
process.exitCode = jobSummaries.some((job) => job.errors.length > 0) ? 1 : 0;

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
