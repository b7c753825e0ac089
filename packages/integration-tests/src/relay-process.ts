/**
 * A real relay in a child process (`fixtures/relay.mjs`): started on 127.0.0.1, killed
 * with SIGKILL mid-run, started again on the same port and mailbox directory. Its
 * /healthz tells how many envelopes still wait in the mailbox.
 */
import { type Child, fixture, killHard, startChild } from './processes.js';

export interface RelayProcess {
  readonly url: string;
  /** Envelopes stored and not yet acknowledged by their recipients, per /healthz. */
  waitingEnvelopes(): Promise<number>;
  kill(): Promise<void>;
  /** Starts it again on the same port and mailbox (after kill()). */
  restart(): Promise<void>;
  /** SIGTERM and wait for the exit; nothing when it is not running. */
  stop(): Promise<void>;
}

export async function startRelayProcess(dataDir: string): Promise<RelayProcess> {
  let child = await launch(dataDir, 0);
  const url = urlOf(child);
  const port = Number(new URL(url).port);
  return {
    url,
    async waitingEnvelopes() {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      const health = (await response.json()) as { mailbox: { envelopes: number } };
      return health.mailbox.envelopes;
    },
    kill: () => killHard(child),
    async restart() {
      child = await launch(dataDir, port);
    },
    async stop() {
      if (child.process.exitCode !== null || child.process.signalCode !== null) return;
      child.process.kill('SIGTERM');
      await child.exited;
    },
  };
}

async function launch(dataDir: string, port: number): Promise<Child> {
  const child = startChild(fixture('relay.mjs'), { dataDir, port });
  await child.waitForLine((line) => line.startsWith('listening '), 'the relay to listen', 30_000);
  return child;
}

function urlOf(child: Child): string {
  const line = child.lines.find((candidate) => candidate.startsWith('listening ')) as string;
  return line.slice('listening '.length);
}
