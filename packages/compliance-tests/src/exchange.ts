/**
 * The helpers every case uses: make envelopes from `a` to `b`, send them, and collect
 * what arrives at `b` with a byte-exact comparison and a clear account of what went wrong.
 */
import { AssertionError } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InboundEnvelope, SendOptions, SendResult, SendTarget, Transport } from '@skcomm/core';
import type { ComplianceEndpoints, ComplianceFixture } from './fixture.js';
import { createTestEnvelope, type TestEnvelope, type TestEnvelopeInit } from './test-envelope.js';

const POLL_INTERVAL_MS = 10;
const DEFAULT_ARRIVAL_TIMEOUT_MS = 10_000;
const DEFAULT_QUIET_PERIOD_MS = 250;
const MAX_PROBLEMS_SHOWN = 5;

export interface CollectOptions {
  /** Commit each envelope as it arrives. Default true. */
  commit?: boolean;
  /** Passed to receive(); a batch larger than it is a failure. */
  limit?: number;
}

export interface Arrivals {
  inbound: InboundEnvelope[];
  /** How many times each expected envelope id arrived. */
  counts: Map<string, number>;
}

export class Exchange {
  readonly a: Transport;
  readonly b: Transport;
  readonly target: SendTarget;
  readonly arrivalTimeoutMs: number;
  readonly quietPeriodMs: number;
  private readonly endpoints: ComplianceEndpoints;

  constructor(endpoints: ComplianceEndpoints, fixture: ComplianceFixture) {
    this.endpoints = endpoints;
    this.a = endpoints.a;
    this.b = endpoints.b;
    this.target =
      endpoints.addressOfB === undefined
        ? { fingerprint: endpoints.fingerprintOfB }
        : { fingerprint: endpoints.fingerprintOfB, address: endpoints.addressOfB };
    this.arrivalTimeoutMs = fixture.arrivalTimeoutMs ?? DEFAULT_ARRIVAL_TIMEOUT_MS;
    this.quietPeriodMs = fixture.quietPeriodMs ?? DEFAULT_QUIET_PERIOD_MS;
  }

  /** A new envelope-shaped payload from `a` to `b`. */
  envelope(init: Omit<TestEnvelopeInit, 'from' | 'to'> = {}): TestEnvelope {
    return createTestEnvelope({ ...init, from: this.endpoints.fingerprintOfA, to: this.endpoints.fingerprintOfB });
  }

  envelopes(count: number): TestEnvelope[] {
    return Array.from({ length: count }, () => this.envelope());
  }

  send(envelope: TestEnvelope, options?: SendOptions): Promise<SendResult> {
    return this.a.send(envelope.bytes, this.target, options);
  }

  /**
   * Receives at `b` until every expected envelope arrived or the arrival timeout passed.
   * Fails on anything missing, altered, unexpected or unidentifiable.
   */
  async collect(expected: readonly TestEnvelope[], options: CollectOptions = {}): Promise<Arrivals> {
    const wanted = new Map(expected.map((envelope) => [envelope.envelopeId, envelope.bytes]));
    const counts = new Map<string, number>();
    const inbound: InboundEnvelope[] = [];
    const problems: string[] = [];
    const deadline = Date.now() + this.arrivalTimeoutMs;
    while (counts.size < wanted.size && Date.now() < deadline) {
      const batch = await this.b.receive(options.limit === undefined ? {} : { limit: options.limit });
      if (options.limit !== undefined && batch.length > options.limit) {
        problems.push(`receive({ limit: ${options.limit} }) returned ${batch.length} envelopes`);
      }
      for (const envelope of batch) {
        problems.push(...this.inspect(envelope, wanted, counts));
        inbound.push(envelope);
        if (options.commit !== false) await envelope.commit();
      }
      if (batch.length === 0) await sleep(POLL_INTERVAL_MS);
    }
    const missing = [...wanted.keys()].filter((id) => !counts.has(id));
    if (missing.length > 0) {
      problems.push(
        `${missing.length} of ${wanted.size} envelopes never arrived within ${this.arrivalTimeoutMs} ms (first missing: ${missing[0]})`,
      );
    }
    failIfAny(problems);
    return { inbound, counts };
  }

  /** Receives at `b` for the quiet period and fails if anything at all arrives. */
  async expectNothingArrives(what: string): Promise<void> {
    const arrived = await this.receiveFor(this.quietPeriodMs);
    if (arrived.length > 0) {
      const ids = arrived.map((envelope) => envelopeIdOf(envelope.bytes) ?? '(unidentifiable)');
      throw new AssertionError({ message: `${what}, yet ${arrived.length} envelope(s) arrived: ${ids.slice(0, 3).join(', ')}` });
    }
  }

  /** Everything `b.receive()` returns during `durationMs`, committed. */
  async receiveFor(durationMs: number): Promise<InboundEnvelope[]> {
    const arrived: InboundEnvelope[] = [];
    const deadline = Date.now() + durationMs;
    do {
      for (const envelope of await this.b.receive()) {
        arrived.push(envelope);
        await envelope.commit();
      }
      await sleep(POLL_INTERVAL_MS);
    } while (Date.now() < deadline);
    return arrived;
  }

  private inspect(envelope: InboundEnvelope, wanted: Map<string, Uint8Array>, counts: Map<string, number>): string[] {
    const problems = inboundShapeProblems(envelope, this.b.name);
    const id = envelopeIdOf(envelope.bytes);
    const sent = id === undefined ? undefined : wanted.get(id);
    if (id === undefined) problems.push(`unidentifiable bytes arrived (${envelope.bytes.length} bytes, no readable envelope_id)`);
    else if (sent === undefined) problems.push(`unexpected envelope ${id} arrived`);
    else {
      const difference = firstDifference(sent, envelope.bytes);
      if (difference !== -1) {
        problems.push(`envelope ${id} arrived altered: ${sent.length} bytes sent, ${envelope.bytes.length} received, first difference at byte ${difference}`);
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return problems;
  }
}

/** Checks the fields of an InboundEnvelope other than its bytes. */
export function inboundShapeProblems(envelope: InboundEnvelope, transportName: string): string[] {
  const problems: string[] = [];
  if (!(envelope.bytes instanceof Uint8Array)) problems.push('InboundEnvelope.bytes is not a Uint8Array');
  if (envelope.transport !== transportName) {
    problems.push(`InboundEnvelope.transport is "${envelope.transport}", not the receiving transport's name "${transportName}"`);
  }
  if (!(envelope.receivedAt instanceof Date) || Number.isNaN(envelope.receivedAt.getTime())) {
    problems.push('InboundEnvelope.receivedAt is not a valid Date');
  }
  if (typeof envelope.commit !== 'function') problems.push('InboundEnvelope.commit is not a function');
  return problems;
}

export function envelopeIdOf(bytes: Uint8Array): string | undefined {
  try {
    const document: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const id = (document as { envelope_id?: unknown } | null)?.envelope_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Index of the first differing byte, or -1 when both are equal. */
export function firstDifference(expected: Uint8Array, actual: Uint8Array): number {
  const shorter = Math.min(expected.length, actual.length);
  for (let index = 0; index < shorter; index++) if (expected[index] !== actual[index]) return index;
  return expected.length === actual.length ? -1 : shorter;
}

export function failIfAny(problems: readonly string[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
  const more = problems.length > MAX_PROBLEMS_SHOWN ? ` (and ${problems.length - MAX_PROBLEMS_SHOWN} more)` : '';
  throw new AssertionError({ message: shown + more });
}
