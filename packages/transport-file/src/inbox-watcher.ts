/**
 * Tells the transport when its inbox may have changed: on fs.watch events where they
 * work, and on a timer always. fs.watch is unreliable on network file systems (NFS,
 * SSHFS, SMB and most FUSE mounts report nothing for changes made by other machines), and
 * sync tools write in bursts, so polling is the guarantee and fs.watch only a shortcut.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '@skcomm/core';
import { describeError } from '@skcomm/core';

export interface InboxWatcherOptions {
  directory: string;
  pollIntervalMs: number;
  useFsWatch: boolean;
  onChange: () => void;
  logger: Logger;
}

export class InboxWatcher {
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;

  constructor(private readonly options: InboxWatcherOptions) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.timer = setInterval(() => this.tick(), this.options.pollIntervalMs);
    this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.closeWatcher();
  }

  private tick(): void {
    // (Re)arm fs.watch: the inbox may have appeared, or a mount come back, since the last try.
    if (this.options.useFsWatch && this.watcher === undefined) this.openWatcher();
    this.options.onChange();
  }

  private openWatcher(): void {
    try {
      this.watcher = watch(this.options.directory, { persistent: false }, () => this.options.onChange());
      this.watcher.on('error', (error) => {
        this.options.logger.debug('file transport: fs.watch failed; polling continues', { error: describeError(error) });
        this.closeWatcher();
      });
    } catch (error) {
      this.options.logger.debug('file transport: fs.watch unavailable; polling only', { error: describeError(error) });
    }
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
