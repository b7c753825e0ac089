/**
 * Where helia keeps blocks and libp2p keeps its peer store: memory by default, or a
 * directory (`repo`) so that envelopes received but not yet committed survive a restart.
 */
import { join } from 'node:path';
import { MemoryBlockstore } from 'blockstore-core';
import { FsBlockstore } from 'blockstore-fs';
import { MemoryDatastore } from 'datastore-core';
import { FsDatastore } from 'datastore-fs';
import type { Blockstore } from 'interface-blockstore';
import type { Datastore } from 'interface-datastore';

export interface Stores {
  blockstore: Blockstore;
  datastore: Datastore;
  /** Opens file-backed stores; a no-op in memory. */
  open(): Promise<void>;
  close(): Promise<void>;
}

export function createStores(repo: string | undefined): Stores {
  if (repo === undefined) {
    return { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), open: async () => {}, close: async () => {} };
  }
  const blockstore = new FsBlockstore(join(repo, 'blocks'));
  const datastore = new FsDatastore(join(repo, 'datastore'));
  return {
    blockstore,
    datastore,
    async open() {
      await blockstore.open();
      await datastore.open();
    },
    async close() {
      await blockstore.close();
      await datastore.close();
    },
  };
}
