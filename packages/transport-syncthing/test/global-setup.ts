/**
 * Two real Syncthing instances on 127.0.0.1 (ephemeral ports, temporary homes, every
 * off-box feature off) for the compliance run, always stopped at the end. Fails with the
 * Debian package's name when syncthing is not installed.
 */
import type { TestProject } from 'vitest/node';
import { startSyncthingPair } from '../src/testing/index.js';
import type { PairEndpoints } from './support.js';

declare module 'vitest' {
  export interface ProvidedContext {
    syncthingPair: PairEndpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pair = await startSyncthingPair();
  const endpoint = (instance: typeof pair.a, folder: string) => ({
    apiUrl: instance.apiUrl,
    apiKeyFile: instance.apiKeyFile,
    deviceId: instance.deviceId,
    folder,
  });
  project.provide('syncthingPair', { folderId: pair.folderId, a: endpoint(pair.a, pair.folderOfA), b: endpoint(pair.b, pair.folderOfB) });
  return () => pair.stop();
}
