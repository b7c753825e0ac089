/** How files show on a terminal: sizes, the "file ... saved to ..." line, and a progress line. */
import type { VerifiedMessage } from '@skcomm/core';
import { type FileSendPhase, receivedFileOf } from '@skcomm/core/agent';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < UNITS.length - 1);
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `file NAME (SIZE) from PEER saved to PATH`, or undefined when the message carries no saved file. */
export function receivedFileLine(message: VerifiedMessage): string | undefined {
  const file = receivedFileOf(message);
  return file === undefined ? undefined : `file ${file.name} (${formatBytes(file.size)}) from ${message.from.name} saved to ${file.path}`;
}

/**
 * One line on a terminal, rewritten in place: `sending  42%  18.3 MB/s  ETA 0:07`. Redraws
 * at most every 100 ms (and at 100 %), and `finish()` ends the line.
 */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;
  private phaseStart: { phase: FileSendPhase; at: number; done: number } | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly label: string,
  ) {}

  update(phase: FileSendPhase, done: number, total: number): void {
    const now = performance.now();
    if (this.phaseStart?.phase !== phase) this.phaseStart = { phase, at: now, done };
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    const seconds = (now - this.phaseStart.at) / 1000;
    const rate = seconds > 0 ? (done - this.phaseStart.done) / seconds : 0;
    const eta = rate > 0 && done < total ? `  ETA ${formatDuration((total - done) / rate)}` : '';
    const speed = rate > 0 ? `  ${(rate / 1e6).toFixed(1)} MB/s` : '';
    this.stream.write(`\r\x1b[2K${this.label}: ${phase.padEnd(7)} ${String(percent).padStart(3)}%${speed}${eta}`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}
