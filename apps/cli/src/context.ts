/**
 * What every command gets: output streams, the --json switch, the home directory, a
 * passphrase source and a lazily opened Agent (opened once, closed after the command).
 */
import type { Agent } from '@skcomm/core/agent';
import { bundledTransports } from './bundled-transports.js';

export interface GlobalOptions {
  home?: string;
  passphraseFile?: string;
  json?: boolean;
}

export interface CliContext {
  json: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Explicit --home, else undefined (the store resolves $SKCOMM_HOME / ~/.skcomm). */
  homeOption: string | undefined;
  passphraseFile: string | undefined;
  /** Opens the agent in the home; the private key is unlocked only when a command needs it. */
  agent(): Promise<Agent>;
  /** Asks for a passphrase with the standard precedence: file, $SKCOMM_PASSPHRASE, prompt. */
  passphrase(purpose: 'unlock' | 'create'): Promise<string>;
  /** Prints `value` as JSON with --json, else the human text. */
  print(value: unknown, human: string | (() => string)): void;
  close(): Promise<void>;
}

export function createContext(options: GlobalOptions): CliContext {
  let opened: Promise<Agent> | undefined;
  // Asked once per process: send unlocks only the signing key and a later receive (acks,
  // --wait) unlocks the rest; the user must not be prompted twice. The process holds the
  // unlocked keys anyway, so keeping the passphrase beside them exposes nothing more.
  let unlockPassphrase: Promise<string> | undefined;
  const context: CliContext = {
    json: options.json === true,
    out: process.stdout,
    err: process.stderr,
    homeOption: options.home,
    passphraseFile: options.passphraseFile,
    async agent() {
      opened ??= import('@skcomm/core/agent').then(({ Agent }) =>
        Agent.open({
          ...(options.home === undefined ? {} : { home: options.home }),
          passphrase: () => {
            unlockPassphrase ??= context.passphrase('unlock');
            unlockPassphrase.catch(() => (unlockPassphrase = undefined));
            return unlockPassphrase;
          },
          resolveFrom: import.meta.url,
          bundledTransports,
        }),
      );
      return opened;
    },
    async passphrase(purpose) {
      const { resolvePassphrase } = await import('@skcomm/core/store');
      return resolvePassphrase({
        ...(options.passphraseFile === undefined ? {} : { passphraseFile: options.passphraseFile }),
        env: process.env,
        prompt: process.stdin.isTTY
          ? async () => (await import('./prompt.js')).promptHidden(purpose === 'create' ? 'New passphrase: ' : 'Passphrase: ', purpose === 'create')
          : undefined,
      });
    },
    print(value, human) {
      if (context.json) context.out.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const text = typeof human === 'function' ? human() : human;
        if (text.length > 0) context.out.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    async close() {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
  return context;
}
