/**
 * Child process for the relay benchmarks, so the server side has its own event loop (as
 * in production) and the clients in the job process do not share it. Prints one line
 * `LISTENING <port>` and runs until killed.
 *
 *   node relay-server.mjs relay <dataDir> [devAuth]   the @skcomm/relay (apps/relay/dist)
 *   node relay-server.mjs echo                        bare ws: every binary frame echoed back
 */
import { WebSocketServer } from 'ws';

const [mode, dataDir, devAuth] = process.argv.slice(2);
let port;
if (mode === 'relay') {
  const { startRelay } = await import('../../../apps/relay/dist/index.js');
  const relay = await startRelay({
    port: 0,
    dataDir,
    devAuth: devAuth === 'devAuth',
    limits: {
      sendRatePerSecond: 1e9,
      sendBurst: 1e9,
      maxConnections: 100_000,
      maxMessagesPerRecipient: 10_000_000,
      maxBytesPerRecipient: 8 * 1024 ** 3,
      maxTotalBytes: 8 * 1024 ** 3,
    },
  });
  port = relay.port;
  const rss = () => process.stdout.write(`RSS ${process.memoryUsage.rss()}\n`);
  process.on('SIGUSR2', rss);
} else {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise((resolve) => server.once('listening', resolve));
  port = server.address().port;
}
process.stdout.write(`LISTENING ${port}\n`);
