/**
 * A real Nostr relay for tests and benchmarks: @nostr-relay/core with its validator over
 * `ws`, events kept in memory, listening on 127.0.0.1 only.
 *
 *   node relay-server.mjs [port]     prints "LISTENING <port>" once ready; port 0 = any free port
 */
import { EventRepository, EventUtils } from '@nostr-relay/common';
import { NostrRelay } from '@nostr-relay/core';
import { Validator } from '@nostr-relay/validator';
import { WebSocketServer } from 'ws';

/**
 * The smallest EventRepository: a Map, scanned per filter (tests hold a few thousand
 * events). Live broadcasts are the relay's own: @nostr-relay/core 0.0.40 sends every new
 * kind-1059 event to every kind-1059 subscription, whatever its '#p' filter, which
 * exercises the transport's own recipient check.
 */
class MemoryEventRepository extends EventRepository {
  events = new Map();
  isSearchSupported() {
    return false;
  }
  async upsert(event) {
    if (this.events.has(event.id)) return { isDuplicate: true };
    this.events.set(event.id, event);
    return { isDuplicate: false };
  }
  async find(filter) {
    // isMatchingFilter ignores tag filters ('#p'), which a relay's database applies.
    const tagFilters = Object.entries(filter).filter(([key]) => key.startsWith('#'));
    const hasTags = (event) => tagFilters.every(([key, values]) => event.tags.some((tag) => tag[0] === key.slice(1) && values.includes(tag[1])));
    const found = [...this.events.values()].filter((event) => EventUtils.isMatchingFilter(event, filter) && hasTags(event));
    found.sort((a, b) => b.created_at - a.created_at);
    return filter.limit === undefined ? found : found.slice(0, filter.limit);
  }
  async destroy() {
    this.events.clear();
  }
}

const port = Number(process.argv[2] ?? 0);
const relay = new NostrRelay(new MemoryEventRepository(), { logLevel: 3 });
const validator = new Validator();
const server = new WebSocketServer({ host: '127.0.0.1', port });

server.on('connection', (socket) => {
  relay.handleConnection(socket, '127.0.0.1');
  socket.on('message', async (data) => {
    try {
      await relay.handleMessage(socket, await validator.validateIncomingMessage(data));
    } catch (error) {
      socket.send(JSON.stringify(['NOTICE', error instanceof Error ? error.message : String(error)]));
    }
  });
  socket.on('close', () => relay.handleDisconnect(socket));
  socket.on('error', () => undefined);
});
server.on('listening', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
server.on('error', (error) => {
  process.stderr.write(`relay failed: ${error.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
