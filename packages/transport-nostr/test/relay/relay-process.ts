/**
 * Starts relay-server.mjs as a child process (a real relay in its own process, so
 * "killing the relay" is a real SIGKILL) and restarts it on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./relay-server.mjs', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export class RelayProcess {
  private child: ChildProcess | undefined;
  port = 0;

  static async start(): Promise<RelayProcess> {
    const relay = new RelayProcess();
    await relay.bringUp();
    return relay;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Starts the relay (on the port it had before, if any). Its events start empty, as after a crash of an in-memory relay. */
  async bringUp(): Promise<void> {
    if (this.child !== undefined) return;
    const child = spawn(process.execPath, [SCRIPT, String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay did not start within ${START_TIMEOUT_MS} ms: ${errors}`)), START_TIMEOUT_MS);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /LISTENING (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`relay exited with ${code} before listening: ${errors}`));
      });
    });
  }

  /** SIGKILL: connections drop without a close handshake, as when a relay host dies. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
}
