/**
 * The TCP listener: accepts connections within the connection limits and gives each one
 * to an InboundConnection. A connection over a limit gets `ERR too-many-connections`.
 */
import { createServer, type Server } from 'node:net';
import type { Logger } from '@skcomm/core';
import type { HostPort } from './address.js';
import { InboundConnection, type FrameSink, type InboundLimits } from './inbound-connection.js';
import { errorLine } from './reply.js';

export interface ListenerLimits extends InboundLimits {
  maxConnections: number;
  maxConnectionsPerHost: number;
}

export class Listener {
  private readonly server: Server;
  private readonly connections = new Set<InboundConnection>();
  private readonly perHost = new Map<string, number>();

  constructor(sink: FrameSink, limits: ListenerLimits, logger: Logger) {
    this.server = createServer({ noDelay: true }, (socket) => {
      const host = socket.remoteAddress ?? '?';
      const fromHost = this.perHost.get(host) ?? 0;
      if (this.connections.size >= limits.maxConnections || fromHost >= limits.maxConnectionsPerHost) {
        logger.warn('tcp transport: connection refused, over the connection limit', { host });
        socket.on('error', () => undefined);
        socket.end(errorLine('too-many-connections', `1 at most ${limits.maxConnections} connections, ${limits.maxConnectionsPerHost} per host`));
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      const connection = new InboundConnection(socket, sink, limits, logger);
      this.connections.add(connection);
      this.perHost.set(host, fromHost + 1);
      socket.on('close', () => {
        this.connections.delete(connection);
        const left = (this.perHost.get(host) ?? 1) - 1;
        if (left === 0) this.perHost.delete(host);
        else this.perHost.set(host, left);
      });
    });
    this.server.on('error', (error) => logger.warn('tcp transport: listener error', { error: error.message }));
  }

  get listening(): boolean {
    return this.server.listening;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds and resolves with the address actually bound (port 0 becomes a real port). */
  listen(address: HostPort): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
        this.server.off('error', onError);
        const bound = this.server.address();
        resolve(typeof bound === 'object' && bound !== null ? { host: address.host, port: bound.port } : address);
      });
    });
  }

  /** Stops accepting and ends every open connection; un-acked frames are dropped (their senders retry). */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
