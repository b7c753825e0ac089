/** Runs the built `skcomm` binary as a user would, in a temporary home. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function skcomm(args: string[], options: { home?: string; passphrase?: string; stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.SKCOMM_HOME;
  delete env.SKCOMM_PASSPHRASE;
  if (options.home !== undefined) env.SKCOMM_HOME = options.home;
  if (options.passphrase !== undefined) env.SKCOMM_PASSPHRASE = options.passphrase;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs and insists on success, returning parsed --json output. */
export async function skcommJson<T = any>(args: string[], options: Parameters<typeof skcomm>[1] = {}): Promise<T> {
  const result = await skcomm([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`skcomm ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}
