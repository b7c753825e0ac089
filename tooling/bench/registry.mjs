/**
 * The job registry: every benchmark run.mjs knows, and the ratios it reports.
 *
 * A job is { name, group, file, params, what, target?, requires? }:
 *   name      unique, dotted: <group>.<subject>.<mode>; select with `run.mjs NAME|GROUP|PREFIX`
 *   file      a script in jobs/, started in a fresh `node` process per round with
 *             JSON.stringify(params) as its only argument (plus warmup/duration from run.mjs);
 *             it prints one `RESULT {"value":…, "unit":…, "better":"higher"|"lower", …}` line
 *   what      one line for the table
 *   target    optional absolute goal: { min } or { max }, in the job's unit
 *   requires  optional path (from the repo root) that must exist, else the job is skipped
 *             and the output says why
 * A ratio is { num, den, target?, reading }: num/den computed per round from the same
 * round's results, then summarised (median, min–max). It is shown when both jobs ran.
 * `section` groups rows in the ratio table.
 *
 * Adding a job: write jobs/<thing>.mjs with lib.mjs's params()/measure()/report()
 * (throughput) or reuse jobs/spawn.mjs (anything that is "run this command"), add an
 * entry below, and pair it with a raw baseline in `ratios`. Planned next:
 *   e2e.file.seq / e2e.file.x16: Agent send -> file transport -> Agent receive
 *     (target >= 600 msg/s), paired with seal.bare-b and open.bare-b of the same
 *     round (harmonic seal+open: 1/(1/seal + 1/open)) and with a bare write+fsync+rename
 *     job, so the ratio shows crypto vs filesystem vs SKComm's own code.
 */
import { randomBytes } from 'node:crypto';

const CLI = 'apps/cli/dist/bin.js';
const skcomm = (...args) => ['{node}', `{root}/${CLI}`, ...args];
const oneKiB = randomBytes(768).toString('base64');

// ---------------------------------------------------------------- throughput jobs
const MODES = [
  { mode: 'seq', inflight: 1, label: '1 in flight' },
  { mode: 'x16', inflight: 16, label: '16 in flight' },
];

const cryptoJobs = MODES.flatMap(({ mode, inflight, label }) => [
  {
    name: `seal.core.${mode}`,
    group: 'seal',
    file: 'seal-core.mjs',
    params: { inflight },
    what: `core sealEnvelope + serializeEnvelope, ${label}`,
    target: { min: inflight === 1 ? 900 : 2500 },
  },
  {
    name: `seal.bare-a.${mode}`,
    group: 'seal',
    file: 'seal-bare.mjs',
    params: { inflight, variant: 'a' },
    what: `bare (a) encrypt+sign, binary, ${label}`,
  },
  {
    name: `seal.bare-b.${mode}`,
    group: 'seal',
    file: 'seal-bare.mjs',
    params: { inflight, variant: 'b' },
    what: `bare (b) encrypt+sign + detached sign, ${label}`,
  },
  {
    name: `open.core.${mode}`,
    group: 'open',
    file: 'open-core.mjs',
    params: { inflight },
    what: `core parseEnvelope + openEnvelope, ${label}`,
    target: { min: inflight === 1 ? 900 : 2500 },
  },
  {
    name: `open.bare-a.${mode}`,
    group: 'open',
    file: 'open-bare.mjs',
    params: { inflight, variant: 'a' },
    what: `bare (a) decrypt+verify, binary, ${label}`,
  },
  {
    name: `open.bare-b.${mode}`,
    group: 'open',
    file: 'open-bare.mjs',
    params: { inflight, variant: 'b' },
    what: `bare (b) detached verify + decrypt+verify, ${label}`,
  },
]);

// ---------------------------------------------------------------- cold-start jobs
// Each is "spawn this command N times, median wall time" (jobs/spawn.mjs). Extend the
// list with any command; {node} {root} {bench} {tmp} are filled in by the job.
const cold = (name, what, params, extra = {}) => ({ name, group: 'cold', file: 'spawn.mjs', params, what, ...extra });

const coldJobs = [
  cold('cold.node', 'node -e 0 (baseline)', { argv: ['{node}', '-e', '0'] }),
  cold('cold.openpgp', 'node -e "import(\'openpgp\')" (baseline)', { argv: ['{node}', '-e', "import('openpgp')"] }),
  cold('cold.seal-once', 'bare: import openpgp, read+unlock keys, seal 1 KiB, write+fsync+rename', {
    argv: ['{node}', '{bench}/jobs/cold/seal-once.mjs', '{tmp}'],
    setup: [{ argv: ['{node}', '{bench}/jobs/cold/seal-once.mjs', '--setup', '{tmp}'] }],
  }),
  cold('cold.skcomm-version', 'skcomm --version', { argv: skcomm('--version') }, { requires: CLI }),
  cold(
    'cold.skcomm-send',
    'skcomm send (1 KiB, file transport)',
    {
      env: { SKCOMM_PASSPHRASE: 'bench passphrase' },
      setup: [
        { argv: skcomm('--home', '{tmp}/alice', 'init', '--name', 'alice') },
        { argv: skcomm('--home', '{tmp}/bob', 'init', '--name', 'bob') },
        { argv: skcomm('--home', '{tmp}/bob', 'keys', 'export'), stdout: '{tmp}/bob.asc' },
        { argv: skcomm('--home', '{tmp}/alice', 'peer', 'add', '--name', 'bob', '--pubkey', '{tmp}/bob.asc', '--trust', 'trusted') },
        { argv: skcomm('--home', '{tmp}/alice', 'transport', 'add', 'file', '--set', 'root={tmp}/shared') },
      ],
      argv: skcomm('--home', '{tmp}/alice', 'send', oneKiB, '--to', 'bob'),
    },
    { requires: CLI, target: { max: 150 } },
  ),
];

export const jobs = [...cryptoJobs, ...coldJobs];

// ---------------------------------------------------------------- ratios
const cryptoRatios = ['seal', 'open'].flatMap((op) =>
  MODES.flatMap(({ mode, label }) => {
    const section = `${op}, ${label}`;
    const id = (who) => `${op}.${who}.${mode}`;
    return [
      { section, num: id('core'), den: id('bare-a'), target: 0.9, reading: 'core vs bare openpgp.js (the issue\'s target)' },
      { section, num: id('bare-b'), den: id('bare-a'), reading: '= cost of the 2nd (detached) signature: ceiling of the row above' },
      { section, num: id('core'), den: id('bare-b'), target: 0.9, reading: '× core\'s own overhead over the same crypto work' },
    ];
  }),
);

const coldRatios = [
  { num: 'cold.openpgp', den: 'cold.node', reading: 'loading openpgp.js' },
  { num: 'cold.seal-once', den: 'cold.node', reading: 'bare equivalent of one send' },
  { num: 'cold.skcomm-version', den: 'cold.node', reading: 'CLI startup alone' },
  { num: 'cold.skcomm-send', den: 'cold.node', reading: 'skcomm send vs bare node' },
  { num: 'cold.skcomm-send', den: 'cold.openpgp', reading: 'skcomm send vs loading openpgp.js' },
  { num: 'cold.skcomm-send', den: 'cold.seal-once', reading: 'skcomm send vs its bare equivalent' },
].map((ratio) => ({ section: 'cold start (lower is better)', ...ratio }));

export const ratios = [...cryptoRatios, ...coldRatios];
