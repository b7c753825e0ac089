/** Child processes for the kill -9 tests: spawn, follow their stdout lines, kill, await exit. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  process: ChildProcess;
  lines: string[];
  /** Resolves once a line matches (or rejects when the process exits first). */
  waitForLine(test: (line: string, index: number) => boolean, what: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function startChild(script: string, argument: unknown): Child {
  const child = spawn(process.execPath, [script, JSON.stringify(argument)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal, stderr });
    }),
  );
  return {
    process: child,
    lines,
    exited,
    waitForLine(test, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.some(test)) return finish(resolve);
          if (child.exitCode !== null || child.signalCode !== null) return finish(() => reject(new Error(`child exited before ${what}: ${stderr}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
        const finish = (action: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          action();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** kill -9, and wait until the process is gone. */
export async function killHard(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}
