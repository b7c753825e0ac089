/**
 * Lists one inbox and turns what is there into deliverable files: envelope names only,
 * read safely; unreadable entries quarantined; sync temp files skipped; conflict copies
 * reported once and left for a human.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@skcomm/core';
import { describeError } from '@skcomm/core';
import { classifyEntry } from './layout.js';
import { quarantineEntry } from './quarantine.js';
import { readEntry, type FileIdentity, type ReadLimits } from './read-entry.js';

export interface InboxFile {
  name: string;
  path: string;
  bytes: Uint8Array;
  /** Which file was read, so a commit never deletes a newer copy written under the same name. */
  identity: FileIdentity;
}

const MAX_REMEMBERED_REPORTS = 10_000;

export class InboxScanner {
  private readonly reported = new Set<string>();

  constructor(
    private readonly inbox: string,
    private readonly limits: ReadLimits,
    private readonly transport: string,
    private readonly logger: Logger,
    /** Throws unless the inbox is still a real directory; run before any entry is read. */
    private readonly checkInbox: () => Promise<void>,
  ) {}

  /**
   * Throws what readdir and checkInbox throw (the caller maps it); everything per entry is
   * handled here. An empty look costs one readdir: the inbox itself is checked only when
   * there is something to read in it.
   */
  async scan(limit = Infinity): Promise<InboxFile[]> {
    const names = (await readdir(this.inbox)).sort();
    if (names.some((name) => classifyEntry(name) === 'envelope')) await this.checkInbox();
    const files: InboxFile[] = [];
    for (const name of names) {
      if (files.length >= limit) break;
      const kind = classifyEntry(name);
      if (kind === 'conflict') this.reportOnce(name, 'a sync conflict copy: not delivered; compare it with the original and remove it');
      if (kind !== 'envelope') continue;
      const path = join(this.inbox, name);
      const reading = await readEntry(path, this.limits);
      if (reading.outcome === 'read') files.push({ name, path, bytes: reading.bytes, identity: reading.identity });
      else if (reading.outcome === 'skip') this.logger.debug('file transport: skipped an inbox entry for now', { transport: this.transport, name, reason: reading.reason });
      else await this.quarantine(name, reading.reason);
    }
    return files;
  }

  private async quarantine(name: string, reason: string): Promise<void> {
    try {
      const movedTo = await quarantineEntry(this.inbox, name, reason, this.transport);
      this.logger.warn('file transport: quarantined an inbox entry', { transport: this.transport, name, reason, movedTo });
    } catch (error) {
      this.reportOnce(name, `should be quarantined (${reason}) but could not be moved: ${describeError(error)}`);
    }
  }

  private reportOnce(name: string, what: string): void {
    if (this.reported.has(name)) return;
    if (this.reported.size >= MAX_REMEMBERED_REPORTS) this.reported.clear();
    this.reported.add(name);
    this.logger.warn(`file transport: inbox entry ${what}`, { transport: this.transport, inbox: this.inbox, name });
  }
}
