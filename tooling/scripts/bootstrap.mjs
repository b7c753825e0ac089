#!/usr/bin/env node
// Quick-start driver, runnable with plain npm on a fresh machine (Node 20 + npm only):
//   npm run demo   installs the workspace, builds it and runs `skcomm demo`
//   npm test       installs, builds and runs every package's tests, then prints "N passed, N failed"
// It brings its own pnpm (pinned, installed under tooling/.pnpm when none is on PATH).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '10.34.9';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const task = process.argv[2] ?? 'build';
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function mustRun(command, args, what) {
  const status = run(command, args);
  if (status !== 0) {
    console.error(`skcomm bootstrap: ${what} failed (exit ${status})`);
    process.exit(status);
  }
}

/** A pnpm 10 on PATH, else the pinned one installed under tooling/.pnpm (no global install needed). */
function findPnpm() {
  try {
    const version = execFileSync('pnpm', ['--version'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (version.startsWith('10.')) return 'pnpm';
  } catch {}
  const binDir = join(root, 'tooling', '.pnpm', 'node_modules', '.bin');
  if (!existsSync(join(binDir, 'pnpm'))) {
    console.error(`skcomm bootstrap: installing pnpm ${PNPM_VERSION} into tooling/.pnpm (one time)`);
    mkdirSync(join(root, 'tooling', '.pnpm'), { recursive: true });
    mustRun('npm', ['install', '--prefix', join(root, 'tooling', '.pnpm'), '--no-save', '--no-package-lock', `pnpm@${PNPM_VERSION}`], 'installing pnpm');
  }
  // turbo runs each package's scripts with `pnpm`, so it must be on PATH too.
  env.PATH = `${binDir}${delimiter}${env.PATH ?? ''}`;
  return join(binDir, 'pnpm');
}

const pnpm = findPnpm();
// Use whichever pnpm 10 we found; never let it fetch the exact version pinned in packageManager.
env.npm_config_manage_package_manager_versions = 'false';
if (task !== 'test-only') {
  mustRun(pnpm, ['install', '--frozen-lockfile', '--prefer-offline'], 'pnpm install');
  mustRun(pnpm, ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], 'build');
}

if (task === 'demo') {
  process.exit(run(process.execPath, [join(root, 'apps', 'cli', 'dist', 'bin.js'), 'demo', ...process.argv.slice(3)]));
}

if (task === 'test' || task === 'test-only') {
  // Each package's vitest writes a JSON report here (see tooling/vitest/shared.ts); we sum them.
  const resultsDir = join(root, '.test-results');
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  const status = run(pnpm, ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue', '--output-logs=full'], {
    env: { ...env, SKCOMM_TEST_RESULTS: resultsDir },
  });
  let passed = 0;
  let failed = 0;
  const failures = [];
  const reports = readdirSync(resultsDir).filter((name) => name.endsWith('.json'));
  for (const name of reports) {
    const report = JSON.parse(readFileSync(join(resultsDir, name), 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
    failures.push(...failuresIn(name.replace(/\.json$/, ''), report));
  }
  if (status !== 0 && failed === 0) failed = 1; // a package that crashed before reporting still fails the run
  // Repeated at the very end so that a log cut to its tail still says what failed and why.
  if (failures.length > 0) console.log(`\nfailed:\n${failures.join('\n')}`);
  console.log(`\n${reports.length} package test reports`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && status === 0 ? 0 : 1);
}

/** One line per failed test or test file of a vitest JSON report: where, and the first line of why. */
function failuresIn(pkg, report) {
  const firstLine = (text) => String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n')[0].slice(0, 300);
  const lines = [];
  for (const file of report.testResults ?? []) {
    const where = `${pkg}: ${relative(root, file.name ?? '')}`;
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedTests) lines.push(`  ${where} > ${test.fullName ?? test.title}: ${firstLine(test.failureMessages?.[0])}`);
    if (file.status === 'failed' && failedTests.length === 0) lines.push(`  ${where}: ${firstLine(file.message)}`);
  }
  return lines;
}
