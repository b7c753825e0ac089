/**
 * What Syncthing says about the shared folder and the peer devices, and what that means
 * for health: down when Syncthing is unreachable, the folder is missing, paused or in
 * error, or no peer device is connected; degraded when files fail to sync or the folder
 * is not at the transport's root; up otherwise.
 */
import { homedir } from 'node:os';
import { join, normalize } from 'node:path';
import type { HealthStatus } from '@skcomm/core';
import type { Connections, FolderConfig, FolderStatus, SyncthingApi } from './syncthing-api.js';

export interface FolderState {
  folder: FolderConfig;
  status: FolderStatus;
  /** The peer devices that count: the configured one, or every other device sharing the folder. */
  peers: string[];
  connectedPeers: string[];
}

export interface Judgement {
  status: HealthStatus;
  detail: string;
}

/** Syncthing's short device ID: the first group, as its GUI shows it. */
export function shortDeviceId(deviceId: string): string {
  return deviceId.split('-')[0] ?? deviceId;
}

export class FolderObserver {
  private ownDeviceId: string | undefined;

  constructor(
    private readonly api: SyncthingApi,
    private readonly folderId: string,
    private readonly device: string | undefined,
  ) {}

  async read(signal?: AbortSignal): Promise<FolderState> {
    const [folder, status, connections] = await Promise.all([
      this.api.get<FolderConfig>(`/rest/config/folders/${encodeURIComponent(this.folderId)}`, {}, signal),
      this.api.get<FolderStatus>('/rest/db/status', { folder: this.folderId }, signal),
      this.api.get<Connections>('/rest/system/connections', {}, signal),
    ]);
    const peers = await this.peersOf(folder, signal);
    return { folder, status, peers, connectedPeers: connectedAmong(connections, peers) };
  }

  /** The peers that count and which of them are connected: one call when `device` is configured. */
  async connectedPeers(signal?: AbortSignal): Promise<{ peers: string[]; connectedPeers: string[] }> {
    const [connections, peers] = await Promise.all([
      this.api.get<Connections>('/rest/system/connections', {}, signal),
      this.device === undefined
        ? this.api.get<FolderConfig>(`/rest/config/folders/${encodeURIComponent(this.folderId)}`, {}, signal).then((folder) => this.peersOf(folder, signal))
        : Promise.resolve([this.device]),
    ]);
    return { peers, connectedPeers: connectedAmong(connections, peers) };
  }

  private async peersOf(folder: FolderConfig, signal?: AbortSignal): Promise<string[]> {
    if (this.device !== undefined) return [this.device];
    this.ownDeviceId ??= (await this.api.get<{ myID: string }>('/rest/system/status', {}, signal)).myID;
    return folder.devices.map((device) => device.deviceID).filter((id) => id !== this.ownDeviceId);
  }
}

function connectedAmong(connections: Connections, peers: string[]): string[] {
  return peers.filter((peer) => connections.connections[peer]?.connected === true);
}

export function describePeers(peers: string[], connectedPeers: string[], device: string | undefined): string | undefined {
  if (peers.length === 0) return 'the folder is shared with no other device';
  if (connectedPeers.length > 0) return undefined;
  if (device !== undefined && !peers.includes(device)) return `peer device ${shortDeviceId(device)} is not known to Syncthing`;
  return peers.length === 1
    ? `peer device ${shortDeviceId(peers[0] ?? '')} is not connected`
    : `none of the ${peers.length} devices sharing the folder is connected`;
}

export function judge(state: FolderState, device: string | undefined, root: string): Judgement {
  const { folder, status } = state;
  if (device !== undefined && !folder.devices.some((entry) => entry.deviceID === device)) {
    return { status: 'down', detail: `folder "${folder.id}" is not shared with peer device ${shortDeviceId(device)}` };
  }
  if (folder.paused) return { status: 'down', detail: `folder "${folder.id}" is paused in Syncthing` };
  if (status.state === 'error') return { status: 'down', detail: `folder "${folder.id}" is stopped: ${status.error ?? 'error'}` };
  const peerProblem = describePeers(state.peers, state.connectedPeers, device);
  if (peerProblem !== undefined) return { status: 'down', detail: peerProblem };
  const connected = `connected to ${state.connectedPeers.map(shortDeviceId).join(', ')}`;
  if (expandHome(folder.path) !== root) {
    return { status: 'degraded', detail: `folder "${folder.id}" is at ${folder.path}, not at root ${root}: envelopes written here will not sync` };
  }
  const failing = status.pullErrors ?? status.errors ?? 0;
  if (failing > 0) return { status: 'degraded', detail: `folder ${status.state}, ${failing} file(s) failing to sync; ${connected}` };
  const need = status.needFiles ?? 0;
  return { status: 'up', detail: `folder ${status.state}${need > 0 ? ` (${need} file(s) to pull)` : ''}; ${connected}` };
}

function expandHome(path: string): string {
  return normalize(path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path).replace(/(.)\/+$/, '$1');
}
