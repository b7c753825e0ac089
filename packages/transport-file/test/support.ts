import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, TransportContext } from '@skcomm/core';
import { createTestEnvelope, type TestEnvelope } from '@skcomm/compliance-tests';
import { file, type FileTransport, type FileTransportInit } from '../src/index.js';

export const FINGERPRINT_A = 'A1'.repeat(20);
export const FINGERPRINT_B = 'B2'.repeat(20);

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that remembers what it was told. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** A fresh directory holding `root` (the shared folder) and room around it to detect escapes. */
export async function sandbox(): Promise<{ parent: string; root: string; cleanup(): Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), 'skcomm-file-'));
  const root = join(parent, 'shared');
  await mkdir(root);
  return { parent, root, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

export function transportFor(
  selfFingerprint: string,
  init: FileTransportInit,
  logger: Logger = recordingLogger(),
): FileTransport {
  const context: TransportContext = { selfFingerprint, logger };
  return file(init)(context);
}

export function envelopeFor(to: string = FINGERPRINT_B): TestEnvelope {
  return createTestEnvelope({ from: FINGERPRINT_A, to });
}

/** Every path under `directory`, relative, sorted. */
export async function tree(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true });
  return entries.map(String).sort();
}
