/** Runs the mesh tool's own status command and parses its JSON. */
import { execFile } from 'node:child_process';
import { ErrorCode, SkcommError } from '@skcomm/core';
import { MeshStatusError, type MeshNetwork, type PeerCandidate } from './candidate.js';
import { parseNetbirdStatus } from './netbird.js';
import { parseTailscaleStatus } from './tailscale.js';

const PARSERS: Record<MeshNetwork, (text: string) => PeerCandidate[]> = {
  tailscale: parseTailscaleStatus,
  netbird: parseNetbirdStatus,
};

const MAX_STATUS_BYTES = 16 * 1024 * 1024;

export function parseMeshStatus(network: MeshNetwork, text: string): PeerCandidate[] {
  return PARSERS[network](text);
}

/** `tailscale status --json` or `netbird status --json`, parsed. */
export async function discoverMeshPeers(network: MeshNetwork, options: { timeoutMs?: number; command?: string } = {}): Promise<PeerCandidate[]> {
  const command = options.command ?? network;
  const output = await new Promise<string>((resolve, reject) => {
    execFile(command, ['status', '--json'], { timeout: options.timeoutMs ?? 10_000, maxBuffer: MAX_STATUS_BYTES }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT') {
        return reject(new SkcommError(ErrorCode.NotFound, `${command} is not installed (or not on PATH); install ${network}, or pass --from-file with saved \`${network} status --json\` output`, { cause: error }));
      }
      const reason = `${stderr}`.trim().split('\n')[0] || error.message;
      reject(new MeshStatusError(network, `\`${command} status --json\` failed: ${reason}`, { cause: error }));
    });
  });
  return parseMeshStatus(network, output);
}
