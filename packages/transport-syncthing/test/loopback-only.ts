/**
 * Lists the sockets of every process started with `--home=<home>` (Syncthing's monitor
 * and the process it runs) from /proc, with their local and remote IPv4/IPv6 addresses.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface SocketEntry {
  protocol: string;
  local: string;
  remote: string;
}

async function pidsWithArgument(argument: string): Promise<string[]> {
  const pids: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.split('\0').includes(argument)) pids.push(entry);
  }
  return pids;
}

async function socketInodes(pid: string): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1] !== undefined) inodes.add(match[1]);
  }
  return inodes;
}

/** "0100007F:1F90" -> "127.0.0.1:8080"; IPv6 in /proc is four little-endian 32-bit words. */
function decodeAddress(hex: string): string {
  const [host = '', port = ''] = hex.split(':');
  const portNumber = parseInt(port, 16);
  if (host.length === 8) return `${Buffer.from(host, 'hex').reverse().join('.')}:${portNumber}`;
  const words = host.match(/.{8}/g) ?? [];
  const bytes = Buffer.concat(words.map((word) => Buffer.from(word, 'hex').reverse()));
  const groups = bytes.toString('hex').match(/.{4}/g) ?? [];
  return `[${groups.join(':')}]:${portNumber}`;
}

export async function socketsOf(home: string): Promise<SocketEntry[]> {
  const pids = await pidsWithArgument(`--home=${home}`);
  if (pids.length === 0) throw new Error(`no process runs with --home=${home}`);
  const inodes = new Set<string>();
  for (const pid of pids) for (const inode of await socketInodes(pid)) inodes.add(inode);
  const sockets: SocketEntry[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const table = await readFile(`/proc/net/${protocol}`, 'utf8').catch(() => '');
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, inode] = [fields[1], fields[2], fields[9]];
      if (local === undefined || remote === undefined || inode === undefined || !inodes.has(inode)) continue;
      sockets.push({ protocol, local: decodeAddress(local), remote: decodeAddress(remote) });
    }
  }
  return sockets;
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|\[0000:0000:0000:0000:0000:0000:0000:0001\]|\[0000:0000:0000:0000:0000:ffff:7f\w\w:\w{4}\]):\d+$/;
const UNCONNECTED = /^(?:0\.0\.0\.0|\[0000:0000:0000:0000:0000:0000:0000:0000\]):0$/;

/** Sockets bound to anything but loopback, or connected anywhere but loopback. */
export function offLoopback(sockets: SocketEntry[]): SocketEntry[] {
  return sockets.filter((socket) => !LOOPBACK.test(socket.local) || !(LOOPBACK.test(socket.remote) || UNCONNECTED.test(socket.remote)));
}
