/**
 * Faults one part of a memory network can suffer, switchable at run time. Every random
 * decision comes from a seeded source, so a run can be replayed exactly.
 */
import { ConfigError, ErrorCode, type RandomSource, seededRandom } from '@skcomm/core';
import { deriveSeed } from './derive-seed.js';

/** A phase length in ms: fixed (a regular interval), or [min, max] drawn from the seeded source. */
export type PhaseLength = number | readonly [number, number];

export interface FlappingSettings {
  upMs: PhaseLength;
  downMs: PhaseLength;
}

export interface FaultSettings {
  /** Send and receive fail with a retryable error; health reports down. */
  down: boolean;
  /** Alternates up and down phases, starting up, from the moment it is set. */
  flapping: FlappingSettings | null;
  /** Delay before an envelope lands; send() resolves after it. */
  latencyMs: number;
  /** Extra delay, uniform in 0..jitterMs, per envelope. Reorders envelopes as a side effect. */
  jitterMs: number;
  /** Share of envelopes silently lost after send() succeeded (a lossy channel). */
  dropRate: number;
  /** Share of envelopes delivered more than once. */
  duplicateRate: number;
  /** A duplicated envelope lands 2..maxCopies times. */
  maxCopies: number;
  /** Share of envelopes that land at a random place in the queue instead of its end. */
  reorderRate: number;
  /**
   * Every `sendWithAttachment` call breaks (retryable, as a dropped connection would) once
   * this many chunks crossed in it; the receiver keeps them, so the next call resumes.
   * null: never.
   */
  attachmentCutAfterChunks: number | null;
}

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  down: false,
  flapping: null,
  latencyMs: 0,
  jitterMs: 0,
  dropRate: 0,
  duplicateRate: 0,
  maxCopies: 2,
  reorderRate: 0,
  attachmentCutAfterChunks: null,
});

/** What the faults decided for one envelope. */
export interface DeliveryPlan {
  delayMs: number;
  /** 0 = dropped. */
  copies: number;
  reorder: boolean;
}

export class FaultController {
  readonly label: string;
  private current: FaultSettings = { ...NO_FAULTS };
  private readonly clock: () => number;
  private readonly decisions: RandomSource;
  private readonly phases: RandomSource;
  private phaseUp = true;
  private phaseEndsAt = 0;

  constructor(label: string, seed: number, clock: () => number) {
    this.label = label;
    this.clock = clock;
    this.decisions = seededRandom(deriveSeed(seed, `${label}/decisions`));
    this.phases = seededRandom(deriveSeed(seed, `${label}/phases`));
  }

  get settings(): Readonly<FaultSettings> {
    return { ...this.current };
  }

  /** Changes some settings; the others keep their values. Setting `flapping` restarts it, up. */
  set(changes: Partial<FaultSettings>): void {
    const next = { ...this.current, ...changes };
    validate(next);
    this.current = next;
    if (changes.flapping !== undefined && next.flapping !== null) {
      this.phaseUp = true;
      this.phaseEndsAt = this.clock() + this.phaseLength(next.flapping.upMs);
    }
  }

  /** Back to no faults. */
  reset(): void {
    this.current = { ...NO_FAULTS };
  }

  /** Why this part is down right now, or undefined when it is up. */
  downReason(): string | undefined {
    if (this.current.down) return `${this.label} is down`;
    if (this.inDownPhase()) return `${this.label} is flapping and in a down phase`;
    return undefined;
  }

  /** Draws the fate of one envelope. Always four draws, so changing one rate never shifts the others. */
  plan(): DeliveryPlan {
    const { latencyMs, jitterMs, dropRate, duplicateRate, maxCopies, reorderRate } = this.current;
    const [jitter, drop, duplicate, reorder] = [this.decisions(), this.decisions(), this.decisions(), this.decisions()];
    let copies = 1;
    if (drop < dropRate) copies = 0;
    else if (duplicate < duplicateRate) copies = 2 + Math.floor((duplicate / duplicateRate) * (maxCopies - 1));
    return { delayMs: latencyMs + jitter * jitterMs, copies, reorder: reorder < reorderRate };
  }

  private inDownPhase(): boolean {
    const flapping = this.current.flapping;
    if (flapping === null) return false;
    const now = this.clock();
    while (now >= this.phaseEndsAt) {
      this.phaseUp = !this.phaseUp;
      this.phaseEndsAt += this.phaseLength(this.phaseUp ? flapping.upMs : flapping.downMs);
    }
    return !this.phaseUp;
  }

  private phaseLength(length: PhaseLength): number {
    if (typeof length === 'number') return length;
    const [min, max] = length;
    return min + Math.floor(this.phases() * (max - min + 1));
  }
}

function validate(settings: FaultSettings): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(ErrorCode.ConfigInvalid, `faults.${field} ${message}`, { field: `faults.${field}` });
  };
  if (typeof settings.down !== 'boolean') fail('down', 'must be a boolean');
  for (const field of ['latencyMs', 'jitterMs'] as const) {
    if (!Number.isFinite(settings[field]) || settings[field] < 0) fail(field, 'must be a number >= 0');
  }
  for (const field of ['dropRate', 'duplicateRate', 'reorderRate'] as const) {
    if (!(settings[field] >= 0 && settings[field] <= 1)) fail(field, 'must be between 0 and 1');
  }
  if (!Number.isInteger(settings.maxCopies) || settings.maxCopies < 2) fail('maxCopies', 'must be a whole number >= 2');
  const cut = settings.attachmentCutAfterChunks;
  if (cut !== null && !(Number.isInteger(cut) && cut >= 0)) fail('attachmentCutAfterChunks', 'must be null or a whole number >= 0');
  if (settings.flapping !== null) {
    for (const phase of ['upMs', 'downMs'] as const) {
      const length = settings.flapping[phase];
      const [min, max] = typeof length === 'number' ? [length, length] : length;
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
        fail(`flapping.${phase}`, 'must be a whole number >= 1 or a [min, max] range of them');
      }
    }
  }
}
