/**
 * The one place that turns a command's result or error into output and an exit code.
 * Human output goes to stdout; failures are one line on stderr (or a JSON error object
 * on stdout with --json) and a non-zero exit code.
 */
import type { Command } from 'commander';
import { type CliContext, createContext } from './context.js';

export class UsageError extends Error {}

export async function runCommand(program: Command, action: (context: CliContext) => Promise<unknown>): Promise<void> {
  const context = createContext(program.opts());
  try {
    await action(context);
  } catch (error) {
    process.exitCode = error instanceof UsageError ? 2 : 1;
    const { code, message } = describe(error);
    // A command that already printed its own JSON result (e.g. a failed delivery report) only adds the reason.
    const reported = (error as { reported?: unknown } | undefined)?.reported === true;
    if (context.json && !reported) context.out.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
    else context.err.write(`skcomm: ${message}${code === 'E_INTERNAL' ? '' : ` (${code})`}\n`);
    if (process.env.SKCOMM_DEBUG && error instanceof Error) context.err.write(`${error.stack}\n`);
  } finally {
    await context.close();
  }
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof UsageError) return { code: 'E_USAGE', message: error.message };
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    const { code, message } = error as { code: string; message: string };
    if (code.startsWith('E_')) return { code, message: firstLine(message) };
  }
  return { code: 'E_INTERNAL', message: firstLine(error instanceof Error ? error.message : String(error)) };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
