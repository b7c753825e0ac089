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
 * entry below, and pair it with a raw baseline in `ratios`.
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
        // The file transport is "available" only when its folder exists (a mounted stick).
        { argv: ['{node}', '-e', 'require("node:fs").mkdirSync(process.argv[1], { recursive: true })', '{tmp}/shared'] },
      ],
      argv: skcomm('--home', '{tmp}/alice', 'send', oneKiB, '--to', 'bob'),
    },
    { requires: CLI, target: { max: 150 } },
  ),
];

export const jobs = [...cryptoJobs, ...coldJobs];

// ---------------------------------------------------------------- syncthing latency (report, no target)
// send -> receive through two real offline Syncthing instances on loopback, vs the same
// bytes written + rescanned + seen arriving without SKComm (jobs/syncthing-latency.mjs).
jobs.push(
  ...['skcomm', 'raw'].map((variant) => ({
    name: `sync.syncthing.${variant}`,
    group: 'sync',
    file: 'syncthing-latency.mjs',
    params: { variant },
    what:
      variant === 'skcomm'
        ? 'syncthing transport send -> Syncthing -> subscribe push, 1 at a time, p50 ms'
        : 'bare write+fsync+rename, REST rescan, fs.watch at the peer, p50 ms (baseline)',
    requires: 'packages/transport-syncthing/dist/index.js',
  })),
);

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
ratios.push({ section: 'syncthing latency (lower is better)', num: 'sync.syncthing.skcomm', den: 'sync.syncthing.raw', reading: 'transport vs bare write + rescan' });

// ---------------------------------------------------------------- tcp direct (jobs/tcp-direct.mjs)
// 1 KiB messages sealed, outboxed, sent over @skcomm/transport-tcp and opened at the receiver,
// next to the same crypto without any transport, the transport alone, and bare node:net.
{
  const TCP = 'packages/transport-tcp/dist/index.js';
  const tcpWhat = {
    e2e: 'tcp e2e: seal + outbox fsync + tcp send/hop ack + open + commit',
    crypto: 'tcp e2e floor: seal + open only (no outbox, no transport)',
    transport: 'tcp transport alone: pre-sealed envelope send -> hop ack, commit',
    raw: 'bare node:net: same bytes + "\\n" out, "OK n" line back (baseline)',
  };
  for (const variant of ['e2e', 'crypto', 'transport', 'raw']) {
    for (const { mode, inflight, label } of MODES) {
      jobs.push({
        name: `tcp.${variant}.${mode}`,
        group: 'tcp',
        file: 'tcp-direct.mjs',
        params: { variant, inflight },
        what: `${tcpWhat[variant]}, ${label}`,
        ...(variant === 'e2e' ? { target: { min: 2000 } } : {}),
        requires: TCP,
      });
    }
    if (variant !== 'crypto') {
      jobs.push({
        name: `tcp.${variant}.latency`,
        group: 'tcp',
        file: 'tcp-direct.mjs',
        params: { variant, latency: true },
        what: `${tcpWhat[variant]}, one at a time, p50 ms (p90/p99 in --json)`,
        ...(variant === 'e2e' ? { target: { max: 5 } } : {}),
        requires: TCP,
      });
    }
  }
  for (const { mode, label } of MODES) {
    const section = `tcp direct, ${label}`;
    ratios.push(
      { section, num: `tcp.e2e.${mode}`, den: `tcp.crypto.${mode}`, target: 0.9, reading: 'e2e vs its crypto alone (transport + outbox <= 10% of crypto time)' },
      { section, num: `tcp.transport.${mode}`, den: `tcp.raw.${mode}`, reading: 'skcomm tcp transport vs bare node:net' },
    );
  }
  ratios.push(
    { section: 'tcp latency, one at a time (lower is better)', num: 'tcp.e2e.latency', den: 'tcp.raw.latency', reading: 'e2e p50 vs bare node:net p50' },
    { section: 'tcp latency, one at a time (lower is better)', num: 'tcp.transport.latency', den: 'tcp.raw.latency', reading: 'transport p50 vs bare node:net p50' },
  );
}

// ---------------------------------------------------------------- http webhook (jobs/http-webhook.mjs)
// @skcomm/transport-http send() -> receiving server (checks, durable spool write, 202) with a
// committing subscriber, next to a bare node:http POST echo and the same echo doing the
// spool's durable write bare (the floor of "2xx only once durable" on this disk).
{
  const HTTP = 'packages/transport-http/dist/index.js';
  const httpWhat = {
    skcomm: 'http webhook: send -> checks + durable spool + 202, subscriber commits',
    'raw-durable': 'bare node:http POST echo + O_DSYNC write, rename, dir fsync (baseline)',
    raw: 'bare node:http POST echo, same bytes (baseline)',
  };
  for (const variant of ['skcomm', 'raw-durable', 'raw']) {
    for (const { mode, inflight, label } of MODES) {
      jobs.push({
        name: `http.${variant}.${mode}`,
        group: 'http',
        file: 'http-webhook.mjs',
        params: { variant, inflight },
        what: `${httpWhat[variant]}, ${label}`,
        ...(variant === 'skcomm' ? { target: { min: 1000 }, requires: HTTP } : {}),
      });
    }
  }
  for (const { mode, label } of MODES) {
    const section = `http webhook, ${label}`;
    ratios.push(
      { section, num: `http.skcomm.${mode}`, den: `http.raw.${mode}`, reading: 'webhook vs bare HTTP echo (durability included)' },
      { section, num: `http.raw-durable.${mode}`, den: `http.raw.${mode}`, reading: '= cost of the durable write alone: ceiling of the row above' },
      { section, num: `http.skcomm.${mode}`, den: `http.raw-durable.${mode}`, reading: 'transport-http\'s own overhead over the same work' },
    );
  }
}

// ---------------------------------------------------------------- ssh latency (report, no target)
// @skcomm/transport-ssh send() over SFTP to a real sshd on loopback (started by the job; root and
// openssh-server needed), next to bare ssh2 doing the same atomic, durable SFTP steps and a bare
// ssh2 sftp.writeFile(), all one at a time on one authenticated connection (jobs/ssh-latency.mjs).
{
  const sshWhat = {
    skcomm: 'ssh transport send: temp, write, fsync, close, rename, folder fsync; p50 ms',
    'raw-atomic': 'bare ssh2, the same SFTP steps by hand, one request at a time (baseline), p50 ms',
    raw: 'bare ssh2 sftp.writeFile, no fsync or rename (baseline), p50 ms',
  };
  for (const variant of ['skcomm', 'raw-atomic', 'raw']) {
    jobs.push({
      name: `ssh.${variant}.latency`,
      group: 'ssh',
      file: 'ssh-latency.mjs',
      params: { variant },
      what: sshWhat[variant],
      requires: 'packages/transport-ssh/dist/index.js',
    });
  }
  const section = 'ssh latency, one at a time (lower is better)';
  ratios.push(
    { section, num: 'ssh.skcomm.latency', den: 'ssh.raw.latency', reading: 'transport send vs bare sftp.writeFile' },
    { section, num: 'ssh.raw-atomic.latency', den: 'ssh.raw.latency', reading: '= cost of atomic rename + 2 fsyncs alone' },
    { section, num: 'ssh.skcomm.latency', den: 'ssh.raw-atomic.latency', reading: 'transport-ssh\'s own overhead over the same SFTP work' },
  );
}

{
  // WebSocket via the relay (jobs/relay.mjs; the server side runs in a child process).
  const WS = ['packages/transport-websocket/dist/index.js', 'apps/relay/dist/index.js'];
  const wsWhat = {
    e2e: 'websocket via relay e2e: seal + outbox fsync + send/hop ack (relay fsync) + push + open + commit',
    crypto: 'websocket e2e floor: seal + open only (no outbox, no transport)',
    transport: 'websocket transport + relay alone: pre-sealed send -> hop ack, push, commit',
    raw: 'bare ws: same bytes to an echo server and back (baseline)',
  };
  for (const variant of ['e2e', 'crypto', 'transport', 'raw']) {
    for (const { mode, inflight, label } of MODES) {
      jobs.push({
        name: `ws.${variant}.${mode}`,
        group: 'ws',
        file: 'relay.mjs',
        params: { variant, inflight },
        what: `${wsWhat[variant]}, ${label}`,
        ...(variant === 'e2e' && inflight > 1 ? { target: { min: 2000 } } : {}),
        ...(variant === 'e2e' || variant === 'transport' ? { requires: WS[0] } : {}),
      });
    }
    if (variant !== 'crypto') {
      jobs.push({
        name: `ws.${variant}.latency`,
        group: 'ws',
        file: 'relay.mjs',
        params: { variant, latency: true },
        what: `${wsWhat[variant]}, one at a time, p50 ms (p90/p99 in --json)`,
        ...(variant === 'e2e' ? { target: { max: 5 } } : {}),
        ...(variant === 'e2e' || variant === 'transport' ? { requires: WS[0] } : {}),
      });
    }
  }
  jobs.push(
    {
      name: 'relay.route.c1000',
      group: 'relay',
      file: 'relay.mjs',
      params: { variant: 'route', clients: 1000, inflight: 256 },
      what: 'relay alone, 1,000 clients: send -> store (fsync) -> hop ack -> push -> ack, 256 in flight (relay RSS in --json)',
      target: { min: 10000 },
      requires: WS[1],
    },
    {
      name: 'relay.echo.c1000',
      group: 'relay',
      file: 'relay.mjs',
      params: { variant: 'echo', clients: 1000, inflight: 256 },
      what: 'bare ws echo, 1,000 clients, 256 in flight (baseline)',
    },
    {
      name: 'relay.drain',
      group: 'relay',
      file: 'relay.mjs',
      params: { variant: 'drain', count: 20000 },
      what: 'mailbox drain on reconnect: 20,000 stored envelopes, connect -> last ack, envelopes/s',
      target: { min: 5000 },
      requires: WS[1],
    },
    {
      name: 'relay.stream',
      group: 'relay',
      file: 'relay.mjs',
      params: { variant: 'stream', count: 20000 },
      what: 'bare ws: 20,000 frames echoed back at once, frames/s (baseline)',
    },
  );
  for (const { mode, label } of MODES) {
    const section = `websocket via relay, ${label}`;
    ratios.push(
      { section, num: `ws.e2e.${mode}`, den: `ws.crypto.${mode}`, target: 0.9, reading: 'e2e vs its crypto alone (transport + relay + outbox <= 10% of crypto time)' },
      { section, num: `ws.transport.${mode}`, den: `ws.raw.${mode}`, reading: 'transport + relay (durable hop) vs bare ws echo' },
    );
  }
  ratios.push(
    { section: 'websocket latency, one at a time (lower is better)', num: 'ws.e2e.latency', den: 'ws.raw.latency', reading: 'e2e p50 vs bare ws p50' },
    { section: 'websocket latency, one at a time (lower is better)', num: 'ws.transport.latency', den: 'ws.raw.latency', reading: 'transport + relay p50 vs bare ws p50' },
    { section: 'relay', num: 'relay.route.c1000', den: 'relay.echo.c1000', reading: 'relay routing vs bare ws echo, 1,000 clients' },
    { section: 'relay', num: 'relay.drain', den: 'relay.stream', reading: 'mailbox drain vs bare ws stream' },
  );
}

// ---------------------------------------------------------------- nostr (jobs/nostr.mjs)
// NIP-17 gift wraps through a real relay (@nostr-relay/core in a child process), next to
// bare nostr-tools doing the same wrap + publish + unwrap in the same round.
{
  const NOSTR = 'packages/transport-nostr/dist/index.js';
  const nostrWhat = {
    transport: '@skcomm/transport-nostr: send() (gift wrap + publish + relay OK), received by a second transport',
    raw: 'bare nostr-tools: nip17.wrapEvent + publish (OK) + subscription with nip17.unwrapEvent (baseline)',
  };
  for (const variant of ['transport', 'raw']) {
    jobs.push(
      {
        name: `nostr.${variant}.seq`,
        group: 'nostr',
        file: 'nostr.mjs',
        params: { variant, metric: 'throughput' },
        what: `${nostrWhat[variant]}, 1 in flight, msg/s`,
        ...(variant === 'transport' ? { target: { min: 100 }, requires: NOSTR } : {}),
      },
      {
        name: `nostr.${variant}.latency`,
        group: 'nostr',
        file: 'nostr.mjs',
        params: { variant, metric: 'latency' },
        what: `${variant === 'transport' ? 'transport' : 'bare nostr-tools'}: publish of a wrapped event -> envelope at the receiver, p50 ms`,
        ...(variant === 'transport' ? { target: { max: 10 }, requires: NOSTR } : {}),
      },
    );
  }
  ratios.push(
    { section: 'nostr, 1 in flight', num: 'nostr.transport.seq', den: 'nostr.raw.seq', reading: 'transport vs bare nostr-tools NIP-17' },
    { section: 'nostr latency (lower is better)', num: 'nostr.transport.latency', den: 'nostr.raw.latency', reading: 'publish-to-receive p50 vs bare nostr-tools' },
  );
}

// ---------------------------------------------------------------- libp2p direct (jobs/libp2p-direct.mjs)
// Sealed 1 KiB envelopes through @skcomm/transport-libp2p (send -> hop ack -> commit), the
// same with sealing and opening in the loop, and bare libp2p 3 lpStream echo of the same bytes.
{
  const LIBP2P = 'packages/transport-libp2p/dist/index.js';
  const libp2pWhat = {
    transport: 'libp2p transport: pre-sealed 1 KiB envelope send -> hop ack, commit',
    e2e: 'libp2p e2e: seal + send/hop ack + open + commit',
    raw: 'bare libp2p 3 (tcp+noise+yamux): lpStream write, echo back (baseline)',
  };
  const libp2pModes = [...MODES, { mode: 'x128', inflight: 128, label: '128 in flight' }];
  for (const variant of ['transport', 'e2e', 'raw']) {
    for (const { mode, inflight, label } of libp2pModes) {
      jobs.push({
        name: `libp2p.${variant}.${mode}`,
        group: 'libp2p',
        file: 'libp2p-direct.mjs',
        params: { variant, inflight },
        what: `${libp2pWhat[variant]}, ${label}`,
        ...(variant === 'transport' && mode === 'x128' ? { target: { min: 2000 } } : {}),
        requires: LIBP2P,
      });
    }
  }
  for (const { mode, label } of libp2pModes) {
    ratios.push({ section: `libp2p direct, ${label}`, num: `libp2p.transport.${mode}`, den: `libp2p.raw.${mode}`, reading: 'skcomm libp2p transport vs bare libp2p lpStream echo' });
  }
  ratios.push({ section: 'libp2p direct, 16 in flight', num: 'libp2p.e2e.x16', den: 'seal.core.x16', reading: 'e2e vs sealing alone (crypto-bound)' });
}

// ---------------------------------------------------------------- ipfs (jobs/ipfs-announce.mjs)
// Fetch-by-announcement through @skcomm/transport-ipfs (put block, announce CID, bitswap fetch,
// verify, pin, queue, reply, push, commit), next to raw helia fetch-by-CID between two nodes with
// the same offline config: once with helia's default bitswap debounces, once with the transport's.
{
  const IPFS = 'packages/transport-ipfs/dist/index.js';
  const ipfsWhat = {
    skcomm: 'ipfs transport: send (announce) -> bitswap fetch -> subscribe push, commit; one at a time, p50 ms',
    raw: 'bare helia: put on a, get by CID on b (bitswap, default 10 ms debounces) (baseline), p50 ms',
    'raw-nodebounce': 'bare helia: the same with bitswap debounces 0, as the transport sets them (baseline), p50 ms',
  };
  for (const variant of ['skcomm', 'raw', 'raw-nodebounce']) {
    jobs.push({
      name: `ipfs.${variant}.latency`,
      group: 'ipfs',
      file: 'ipfs-announce.mjs',
      params: { variant },
      what: ipfsWhat[variant],
      ...(variant === 'skcomm' ? { target: { max: 30 } } : {}),
      requires: IPFS,
    });
  }
  const section = 'ipfs latency, one at a time (lower is better)';
  ratios.push(
    { section, num: 'ipfs.skcomm.latency', den: 'ipfs.raw.latency', reading: 'fetch-by-announcement p50 vs raw helia fetch-by-CID p50' },
    { section, num: 'ipfs.skcomm.latency', den: 'ipfs.raw-nodebounce.latency', reading: 'the same vs raw helia with the transport\'s bitswap settings' },
  );
}

// ---------------------------------------------------------------- outbox and router (jobs/outbox.mjs, jobs/router.mjs)
// Durable enqueue with group commit next to the one-file-fsync-each baseline; the router's own
// cost per message as a share of one seal; broadcast's first hand-off with 1 vs 3 transports.
{
  for (const { mode, inflight, label } of MODES) {
    jobs.push(
      {
        name: `outbox.enqueue.${mode}`,
        group: 'outbox',
        file: 'outbox.mjs',
        params: { variant: 'enqueue', inflight },
        what: `core Outbox.enqueue (log line, group commit, durable), ${label}`,
        ...(inflight > 1 ? { target: { min: 2000 } } : {}),
      },
      {
        name: `outbox.raw-file.${mode}`,
        group: 'outbox',
        file: 'outbox.mjs',
        params: { variant: 'raw-file', inflight },
        what: `bare file per message: write, fsync, rename, dir fsync (baseline), ${label}`,
      },
    );
  }
  jobs.push(
    {
      name: 'router.overhead',
      group: 'router',
      file: 'router.mjs',
      params: { variant: 'overhead' },
      what: 'router.route() cost over a direct transport send, as % of one core seal',
      target: { max: 10 },
    },
    { name: 'router.broadcast-1', group: 'router', file: 'router.mjs', params: { variant: 'broadcast-first', transports: 1 }, what: 'broadcast, 1 transport of 5 ms: first hand-off p50 ms' },
    { name: 'router.broadcast-3', group: 'router', file: 'router.mjs', params: { variant: 'broadcast-first', transports: 3 }, what: 'broadcast, 3 transports of 5 ms: first hand-off p50 ms' },
  );
  ratios.push(
    { section: 'outbox enqueue', num: 'outbox.enqueue.x16', den: 'outbox.raw-file.seq', reading: 'group commit vs one file + fsync per message' },
    { section: 'outbox enqueue', num: 'outbox.enqueue.seq', den: 'outbox.raw-file.seq', reading: 'one at a time: log append vs one file per message' },
    { section: 'broadcast first hand-off (lower is better)', num: 'router.broadcast-3', den: 'router.broadcast-1', target: 1.1, reading: '3 transports vs 1: concurrent, so flat' },
  );
}

// ---------------------------------------------------------------- webrtc (jobs/webrtc.mjs)
// Sealed 1 KiB envelopes through @skcomm/transport-webrtc (negotiated through the relay's
// signaling broker; send -> hop ack once queued -> commit), the same with sealing and opening
// in the loop, and bare werift data-channel echo of the same bytes with the same bounded window.
{
  const WEBRTC = ['packages/transport-webrtc/dist/index.js', 'apps/relay/dist/index.js'];
  const webrtcWhat = {
    transport: 'webrtc transport: pre-sealed 1 KiB envelope send -> hop ack, commit',
    e2e: 'webrtc e2e: seal + send/hop ack + open + commit',
    raw: 'bare werift data channel: same bytes echoed back, bounded window (baseline)',
  };
  for (const variant of ['transport', 'e2e', 'raw']) {
    for (const { mode, inflight, label } of MODES) {
      jobs.push({
        name: `webrtc.${variant}.${mode}`,
        group: 'webrtc',
        file: 'webrtc.mjs',
        params: { variant, inflight },
        what: `${webrtcWhat[variant]}, ${label}`,
        ...(variant === 'transport' && mode === 'x16' ? { target: { min: 2000 } } : {}),
        ...(variant === 'raw' ? {} : { requires: WEBRTC[0] }),
      });
    }
  }
  for (const { mode, label } of MODES) {
    ratios.push({ section: `webrtc, ${label}`, num: `webrtc.transport.${mode}`, den: `webrtc.raw.${mode}`, reading: 'skcomm webrtc transport vs bare werift echo' });
  }
  ratios.push({ section: 'webrtc, 16 in flight', num: 'webrtc.e2e.x16', den: 'seal.core.x16', reading: 'e2e vs sealing alone (crypto-bound)' });
}

// ---------------------------------------------------------------- end to end over a shared folder (jobs/file-e2e.mjs)
{
  const section = 'end to end over the file transport';
  for (const { mode, inflight, label } of MODES) {
    jobs.push(
      {
        name: `e2e.file.agent.${mode}`,
        group: 'e2e',
        file: 'file-e2e.mjs',
        params: { inflight, variant: 'agent' },
        what: `Agent.send -> file -> Agent.receive (outbox, inbox, replay, signed ack back), ${label}`,
        target: { min: 600 },
      },
      {
        name: `e2e.file.bare.${mode}`,
        group: 'e2e',
        file: 'file-e2e.mjs',
        params: { inflight, variant: 'bare' },
        what: `bare chain: openpgp seal + write/fsync/rename, list/read/open/unlink, ${label}`,
      },
    );
    ratios.push({ section, num: `e2e.file.agent.${mode}`, den: `e2e.file.bare.${mode}`, reading: `SKComm end to end vs the bare NNCP-style chain, ${label}` });
  }
}

// ---------------------------------------------------------------- webrtc file (jobs/webrtc-file.mjs)
// A 100 MiB file one way over @skcomm/transport-webrtc sendWithAttachment (AES-256-GCM chunks from
// @skcomm/core/files when built), sender and receiver in two processes, timed to the receiver's
// hop ack (all durable), peak RSS of both in --json; next to bare werift moving the same bytes
// from disk to disk. Lanes 2 and 4 show what parallel data channels on one SCTP association give.
// By hand, to see RSS stay flat: node tooling/bench/jobs/webrtc-file.mjs '{"sizeMiB":1024}'
{
  const WEBRTC_FILE = ['packages/transport-webrtc/dist/index.js', 'apps/relay/dist/index.js'];
  jobs.push(
    {
      name: 'webrtc-file.transport',
      group: 'webrtc-file',
      file: 'webrtc-file.mjs',
      params: { variant: 'transport', sizeMiB: 100 },
      what: 'webrtc sendWithAttachment, 100 MiB, 1 file lane (default), two processes, MB/s',
      target: { min: 15 },
      requires: WEBRTC_FILE[0],
    },
    ...[2, 4].map((lanes) => ({
      name: `webrtc-file.transport.lanes${lanes}`,
      group: 'webrtc-file',
      file: 'webrtc-file.mjs',
      params: { variant: 'transport', sizeMiB: 100, lanes },
      what: `webrtc sendWithAttachment, 100 MiB, ${lanes} file lanes, MB/s`,
      requires: WEBRTC_FILE[0],
    })),
    {
      name: 'webrtc-file.raw',
      group: 'webrtc-file',
      file: 'webrtc-file.mjs',
      params: { variant: 'raw', sizeMiB: 100 },
      what: 'bare werift: the same bytes disk to disk, 64 KiB messages, 64 KiB cap, fsync, "OK" back (baseline), MB/s',
    },
  );
  const section = 'webrtc file, 100 MiB one way';
  ratios.push(
    { section, num: 'webrtc-file.transport', den: 'webrtc-file.raw', reading: 'sendWithAttachment (encrypting, spooling, resumable) vs bare werift' },
    { section, num: 'webrtc-file.transport.lanes2', den: 'webrtc-file.transport', reading: '2 file lanes vs 1 (one SCTP association)' },
    { section, num: 'webrtc-file.transport.lanes4', den: 'webrtc-file.transport', reading: '4 file lanes vs 1' },
  );
}
