import { syncDirectory } from './directories.js';

/**
 * Group commit for directory fsyncs. A caller needs its rename or unlink in a directory
 * made durable, which any fsync of that directory started after the change provides. So
 * callers arriving while an fsync runs share the next one instead of each running their
 * own: with many sends in flight, a few fsyncs instead of one per file.
 */
export class DirectorySyncs {
  private readonly lanes = new Map<string, { running: Promise<void> | undefined; next: Promise<void> | undefined }>();

  constructor(private readonly syncOne: (path: string) => Promise<void> = syncDirectory) {}

  /** Resolves once an fsync of `path` that started after this call has completed. */
  sync(path: string): Promise<void> {
    let lane = this.lanes.get(path);
    if (lane === undefined) {
      lane = { running: undefined, next: undefined };
      this.lanes.set(path, lane);
    }
    if (lane.next !== undefined) return lane.next;
    const running = lane.running;
    if (running === undefined) return this.start(path, lane);
    // The running fsync may have started before this caller's change: wait for the next one.
    const joined = lane;
    joined.next = running.then(ignore, ignore).then(() => {
      joined.next = undefined;
      return this.start(path, joined);
    });
    return joined.next;
  }

  private start(path: string, lane: { running: Promise<void> | undefined; next: Promise<void> | undefined }): Promise<void> {
    const run: Promise<void> = this.syncOne(path).finally(() => {
      if (lane.running === run) lane.running = undefined;
      if (lane.running === undefined && lane.next === undefined && this.lanes.get(path) === lane) this.lanes.delete(path);
    });
    lane.running = run;
    return run;
  }
}

function ignore(): void {}
