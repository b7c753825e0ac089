/** Where a home keeps files: the records of outgoing streamed transfers, and the files received. */
import { join } from 'node:path';
import type { HomeLayout } from '../store/layout.js';

export function outgoingTransfersDir(layout: HomeLayout): string {
  return join(layout.queueDir, 'files');
}

export function receivedFilesDir(layout: HomeLayout): string {
  return join(layout.home, 'files', 'received');
}
