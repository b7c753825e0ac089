/**
 * `skcomm peer discover --network tailscale|netbird [--from-file FILE]`: lists the machines
 * on a Tailscale or Netbird mesh as peer candidates, with the `--address tcp=…` to give
 * `skcomm peer add`. Runs `tailscale status --json` / `netbird status --json`, or reads
 * saved output from FILE (- for stdin). Nothing is added: keys still come from the peer.
 */
import type { CliContext } from '../context.js';
import { readInput } from '../input.js';
import { UsageError } from '../run.js';
import { table } from '../table.js';

interface DiscoverOptions {
  network: 'tailscale' | 'netbird';
  fromFile?: string;
  port: string;
}

export default async function peerDiscover(context: CliContext, options: DiscoverOptions): Promise<void> {
  const port = Number(options.port);
  if (!/^\d{1,5}$/.test(options.port) || port < 1 || port > 65535) throw new UsageError(`--port must be 1..65535, got "${options.port}"`);
  const discovery = await import('@skcomm/transport-tcp').catch((error: unknown) => {
    throw Object.assign(new Error('peer discovery needs the tcp transport: pnpm add @skcomm/transport-tcp'), { code: 'E_TRANSPORT_LOAD', cause: error });
  });
  const candidates =
    options.fromFile === undefined
      ? await discovery.discoverMeshPeers(options.network)
      : discovery.parseMeshStatus(options.network, await readInput(options.fromFile));
  const withAddress = candidates.map((candidate) => ({
    ...candidate,
    tcpAddress: discovery.formatHostPort({ host: candidate.addresses[0]!, port }),
  }));
  context.print({ ok: true, network: options.network, candidates: withAddress }, () =>
    withAddress.length === 0
      ? `No peers on ${options.network}.`
      : [
          table(
            ['NAME', 'ADDRESSES', 'STATE', 'ADD WITH'],
            withAddress.map((candidate) => [
              candidate.name,
              candidate.addresses.join(' '),
              candidate.online ? 'online' : 'offline',
              `--address tcp=${candidate.tcpAddress}`,
            ]),
          ),
          '',
          `Add one with: skcomm peer add --name NAME --pubkey THEIR_KEY.asc --address tcp=ADDRESS:${port}`,
        ].join('\n'),
  );
}
