import { initHome, resolveHome } from '@skcomm/core/store';
import type { CliContext } from '../context.js';

export default async function init(context: CliContext, options: { name: string; email?: string }): Promise<void> {
  const home = context.homeOption ?? resolveHome(process.env);
  const passphrase = await context.passphrase('create');
  const created = await initHome(home, { name: options.name, ...(options.email ? { email: options.email } : {}), passphrase });
  context.print(
    { ok: true, name: options.name, fingerprint: created.fingerprint, home },
    `Created agent ${options.name}\n  fingerprint ${created.fingerprint}\n  home        ${home}\nShare your public key with: skcomm keys export`,
  );
}
