import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSyncthing, type SyncthingInstance } from './syncthing-instance.js';

export interface SyncthingPair {
  a: SyncthingInstance;
  b: SyncthingInstance;
  folderId: string;
  /** The shared folder's path on each side. */
  folderOfA: string;
  folderOfB: string;
  /**
   * Resolves once each side has seen the other connected for `steadyMs` in a row: right
   * after a start both sides may dial at once and one of the two connections is dropped.
   */
  waitConnected(timeoutMs?: number, steadyMs?: number): Promise<void>;
  /** Stops both instances and removes every file they used. */
  stop(): Promise<void>;
}

const FOLDER_ID = 'skcomm';

/**
 * Two Syncthing instances on 127.0.0.1 that know each other (by explicit tcp://127.0.0.1
 * addresses) and share one folder, watcher on at its 1 s minimum.
 */
export async function startSyncthingPair(): Promise<SyncthingPair> {
  const base = await mkdtemp(join(tmpdir(), 'skcomm-syncthing-'));
  const instances: SyncthingInstance[] = [];
  try {
    const started = await Promise.allSettled([startSyncthing(join(base, 'a')), startSyncthing(join(base, 'b'))]);
    for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
    const [a, b] = started.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    }) as [SyncthingInstance, SyncthingInstance];
    const folderOfA = join(base, 'a-folder');
    const folderOfB = join(base, 'b-folder');
    await Promise.all([mkdir(folderOfA), mkdir(folderOfB)]);
    for (const [self, other, path] of [
      [a, b, folderOfA],
      [b, a, folderOfB],
    ] as const) {
      await self.rest('POST', '/rest/config/devices', { deviceID: other.deviceId, name: other === a ? 'a' : 'b', addresses: [`tcp://127.0.0.1:${other.syncPort}`] });
      await self.rest('POST', '/rest/config/folders', {
        id: FOLDER_ID,
        label: FOLDER_ID,
        path,
        type: 'sendreceive',
        devices: [{ deviceID: self.deviceId }, { deviceID: other.deviceId }],
        fsWatcherEnabled: true,
        fsWatcherDelayS: 1,
        rescanIntervalS: 60,
      });
    }
    const pair: SyncthingPair = {
      a,
      b,
      folderId: FOLDER_ID,
      folderOfA,
      folderOfB,
      async waitConnected(timeoutMs = 30_000, steadyMs = 500) {
        const deadline = Date.now() + timeoutMs;
        let connectedSince: number | undefined;
        for (;;) {
          const now = Date.now();
          if ((await isConnected(a, b.deviceId)) && (await isConnected(b, a.deviceId))) {
            connectedSince ??= now;
            if (now - connectedSince >= steadyMs) return;
          } else {
            connectedSince = undefined;
          }
          if (now > deadline) throw new Error(`the two syncthing instances did not stay connected for ${steadyMs} ms within ${timeoutMs} ms`);
          await sleep(50);
        }
      },
      async stop() {
        await Promise.all([a.stop(), b.stop()]);
        await rm(base, { recursive: true, force: true });
      },
    };
    await pair.waitConnected();
    return pair;
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop()));
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

export async function isConnected(instance: SyncthingInstance, deviceId: string): Promise<boolean> {
  try {
    const { connections } = (await instance.rest('GET', '/rest/system/connections')) as { connections: Record<string, { connected: boolean }> };
    return connections[deviceId]?.connected === true;
  } catch {
    return false;
  }
}
