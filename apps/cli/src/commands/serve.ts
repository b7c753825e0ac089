/**
 * `skcomm serve`: runs the WebSocket relay until SIGINT/SIGTERM. The relay needs no
 * identity of its own, so no key is unlocked. Logs go to stderr, one line each.
 */
import { join } from 'node:path';
import type { Logger } from '@skcomm/core';
import type { CliContext } from '../context.js';
import { UsageError } from '../run.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  allow?: string;
  data?: string;
}

export default async function serve(context: CliContext, options: ServeOptions): Promise<void> {
  const port = Number(options.port ?? '8765');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port ${options.port} is not a port number`);
  const [{ startRelay, readAllowList, devAuthFromEnvironment }, { resolveHome }] = await Promise.all([
    import('@skcomm/relay'),
    import('@skcomm/core/store'),
  ]);
  const dataDir = options.data ?? join(context.homeOption ?? resolveHome(process.env), 'relay');
  const logger = stderrLogger(context);
  // Listen for the stop signals before anything is printed: whoever reads the URL may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const relay = await startRelay({
    port,
    dataDir,
    logger,
    devAuth: devAuthFromEnvironment(process.env),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.allow === undefined ? {} : { allow: await readAllowList(options.allow) }),
  });
  context.print({ ok: true, url: relay.url, data: dataDir }, `relay listening on ${relay.url} (mailbox in ${dataDir}); Ctrl-C stops it`);
  await stopped;
  await relay.close();
}

function stderrLogger(context: CliContext): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const line = context.json
      ? JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })
      : `${new Date().toISOString()} ${level} ${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}`;
    context.err.write(`${line}\n`);
  };
  return { debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') };
}
