import type { CliContext } from '../context.js';
import { table } from '../table.js';

export default async function transportList(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const transports = await agent.transportConfigs.list();
  context.print({ ok: true, transports }, () =>
    transports.length === 0
      ? 'No transports yet. Add one with: skcomm transport add file --set root=/shared/folder'
      : table(
          ['NAME', 'PRIORITY', 'PACKAGE', 'OPTIONS'],
          transports.map((entry) => [
            entry.name,
            // Absent: the package's own default, known only once the package is loaded (too costly for a listing).
            entry.priority === undefined ? 'default' : String(entry.priority),
            entry.package,
            Object.entries(entry.options).map(([key, value]) => `${key}=${value}`).join(' '),
          ]),
        ),
  );
}
