#!/usr/bin/env node
/**
 * The `skcomm` command. This file only declares commands and options; each command's
 * code is imported when it runs, so `skcomm send` never loads what `skcomm demo` needs.
 */
import { Command, Option } from 'commander';
import { runCommand } from './run.js';

const program = new Command('skcomm')
  .description('SKComm: signed, encrypted messages between agents over any channel that still works')
  .version('0.1.0', '-V, --version')
  .option('--home <dir>', 'agent home directory (default: $SKCOMM_HOME or ~/.skcomm)')
  .option('--passphrase-file <file>', 'read the private-key passphrase from this file (else $SKCOMM_PASSPHRASE, else a prompt)')
  .option('--json', 'machine-readable output (one JSON document on stdout)')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) })
  // Usage errors exit 2 (help and --version exit 0); inherited by every subcommand defined below.
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const lazy = (load: () => Promise<{ default: (...args: any[]) => Promise<unknown> }>) =>
  (...args: unknown[]) => runCommand(program, async (context) => (await load()).default(context, ...args));

program
  .command('init')
  .description('create this agent: an OpenPGP identity (passphrase-protected) and its home directory')
  .requiredOption('--name <name>', 'agent name shown to peers')
  .option('--email <email>', 'e-mail address in the key user id')
  .action(lazy(() => import('./commands/init.js')));

const keys = program.command('keys').description('this agent\'s key and the keys of peers');
keys.command('list').description('list own and peer keys with trust levels').action(lazy(() => import('./commands/keys-list.js')));
keys.command('export').description('print this agent\'s armored public key').action(lazy(() => import('./commands/keys-export.js')));
keys
  .command('import <file>')
  .description('import a peer\'s armored public key (- for stdin)')
  .option('--name <name>', 'peer name (default: the name in the key\'s user id)')
  .addOption(trustOption())
  .action(lazy(() => import('./commands/keys-import.js')));
keys
  .command('trust <name>')
  .description('set a peer\'s trust level; takes effect immediately')
  .addOption(new Option('--level <level>', 'trust level').choices(['untrusted', 'verified', 'trusted', 'sovereign']).makeOptionMandatory())
  .action(lazy(() => import('./commands/keys-trust.js')));
keys.command('revoke <name>').description('revoke a peer: its envelopes are rejected from now on').action(lazy(() => import('./commands/keys-revoke.js')));

const peer = program.command('peer').description('who this agent talks to');
peer
  .command('add')
  .description('add a peer from its public key file')
  .requiredOption('--name <name>', 'peer name')
  .requiredOption('--pubkey <file>', 'the peer\'s armored public key (- for stdin)')
  .addOption(trustOption())
  .option('--address <transport=value>', 'per-transport address, repeatable', collect)
  .action(lazy(() => import('./commands/peer-add.js')));
peer.command('list').description('list peers').action(lazy(() => import('./commands/peer-list.js')));
peer.command('remove <name>').description('remove a peer').action(lazy(() => import('./commands/peer-remove.js')));
peer
  .command('discover')
  .description('list machines on a Tailscale or Netbird mesh as peer candidates, with their tcp addresses')
  .addOption(new Option('--network <network>', 'mesh to ask').choices(['tailscale', 'netbird']).makeOptionMandatory())
  .option('--from-file <file>', 'read saved `status --json` output instead of running the tool (- for stdin)')
  .option('--port <port>', 'tcp port the peers listen on, for the suggested address', '9999')
  .action(lazy(() => import('./commands/peer-discover.js')));

const transport = program.command('transport').description('the channels this agent uses');
transport
  .command('add <name>')
  .description('configure a transport, e.g. `skcomm transport add file --set root=/shared/collab`')
  .option('--package <pkg>', 'npm package that provides it (default: @skcomm/transport-<name>)')
  .option('--priority <n>', "lower is tried first (default: the transport package's own)")
  .option('--set <key=value>', 'transport option, repeatable', collect)
  .action(lazy(() => import('./commands/transport-add.js')));
transport.command('list').description('list configured transports').action(lazy(() => import('./commands/transport-list.js')));
transport.command('remove <name>').description('remove a transport').action(lazy(() => import('./commands/transport-remove.js')));

program
  .command('send')
  .description('sign, encrypt and send a message (TEXT, or - to read stdin) or a file (--file PATH)')
  .argument('[text]', 'message text, or - for stdin')
  .requiredOption('--to <name>', 'peer name')
  .addOption(new Option('--mode <mode>', 'routing mode').choices(['failover', 'broadcast', 'stealth', 'speed']).default('failover'))
  .option('--type <type>', 'payload type', 'message')
  .addOption(new Option('--urgency <urgency>', 'urgency').choices(['low', 'normal', 'high', 'critical']).default('normal'))
  .option('--thread <id>', 'thread id')
  .option('--reply-to <id>', 'envelope id this replies to')
  .option('--content-type <type>', 'MIME type of the text', 'text/plain')
  .option('--ttl <seconds>', 'time to live in seconds (default 7 days)')
  .option('--open', 'send signed but NOT encrypted (explicit open mode)')
  .option('--wait <seconds>', 'after the hand-off, wait this long for the recipient\'s signed ack')
  .option(
    '--file <path>',
    'send this file instead of TEXT: inline up to 256 KiB, larger ones streamed by a transport that can (e.g. webrtc); the same command again resumes a cut transfer',
  )
  .option('--name <name>', 'with --file: the file name the recipient sees (default: its base name)')
  .action(lazy(() => import('./commands/send.js')));

program
  .command('receive')
  .description('fetch, verify and show new messages from every transport')
  .option('--watch', 'keep receiving until interrupted')
  .option('--peek', 'show unread messages without marking them read')
  .option('--interval <ms>', 'poll interval for --watch', '1000')
  .action(lazy(() => import('./commands/receive.js')));

const outbox = program.command('outbox').description('messages and file transfers waiting for an ack, retries and dead letters');
outbox.command('list').description('every message held, with its delivery state, and pending file transfers').action(lazy(() => import('./commands/outbox-list.js')));
outbox.command('show <id>').description('the route of one message: each transport\'s outcome, the ack; or a file transfer (by its transfer or envelope id)').action(lazy(() => import('./commands/outbox-show.js')));
outbox.command('retry [id]').description('send again now (a dead letter too) or resume a file transfer; without ID every undelivered message, then every due file transfer').action(lazy(() => import('./commands/outbox-retry.js')));
outbox
  .command('purge [id]')
  .description('forget a message or a file transfer (by its transfer or envelope id); without ID every dead or expired message')
  .option('--files', 'also forget every pending file transfer (sending the same file again starts over)')
  .action(lazy(() => import('./commands/outbox-purge.js')));

program
  .command('daemon')
  .description('receive on every transport, retry the outbox, resume cut file transfers and send acks until SIGINT/SIGTERM (one per home)')
  .option('--poll-interval <ms>', 'poll interval for transports that cannot push', '1000')
  .action(lazy(() => import('./commands/daemon.js')));

program.command('status').description('health, latency and last error of each transport').action(lazy(() => import('./commands/status.js')));

program
  .command('serve')
  .description('run a relay: store-and-forward mailboxes for agents using the websocket transport')
  .option('--port <port>', 'TCP port', '8765')
  .option('--host <host>', 'address to listen on (default 127.0.0.1: loopback only)')
  .option('--allow <file>', 'only these fingerprints may connect (one per line): a closed relay')
  .option('--data <dir>', 'mailbox directory (default: <home>/relay)')
  .action(lazy(() => import('./commands/serve.js')));

program
  .command('demo')
  .description('two agents (Opus and Lumina) exchange signed, encrypted messages, with a failover')
  .option('--keep', 'keep the temporary directory for inspection')
  .action(lazy(() => import('./commands/demo.js')));

function trustOption(): Option {
  return new Option('--trust <level>', 'trust level').choices(['untrusted', 'verified', 'trusted', 'sovereign']);
}

await program.parseAsync(process.argv);
