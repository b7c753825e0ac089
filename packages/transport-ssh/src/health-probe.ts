import { describeError, type TransportHealth } from '@skcomm/core';
import { endpointOf, type SshAddress } from './address.js';
import type { ConnectionPool } from './connection-pool.js';
import { fromSftpError, SftpStatus, sftpStatusOf } from './errors.js';

/**
 * Up when the host accepts our key (connecting first unless a pooled connection is
 * live) and the folder is a real directory there, or not created yet (the first send or
 * receive creates it). latencyMs is the time of all that.
 */
export async function probeHealth(pool: ConnectionPool, folder: SshAddress, transport: string): Promise<TransportHealth> {
  const started = performance.now();
  const where = `${endpointOf(folder)}:${folder.path}`;
  const latency = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const stats = await pool.use(folder, (connection) => connection.files.lstat(folder.path));
    if (!stats.isDirectory()) return { status: 'down', detail: `${where} is not a real directory`, latencyMs: latency(), checkedAt: new Date() };
    return { status: 'up', latencyMs: latency(), checkedAt: new Date() };
  } catch (error) {
    if (sftpStatusOf(error) === SftpStatus.NoSuchFile) {
      return { status: 'up', detail: `${where} does not exist yet`, latencyMs: latency(), checkedAt: new Date() };
    }
    return { status: 'down', detail: describeError(fromSftpError(error, transport, 'health check', where)), checkedAt: new Date() };
  }
}
