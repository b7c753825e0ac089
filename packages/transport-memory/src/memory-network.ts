/**
 * The hub: routes envelope bytes by recipient fingerprint to the endpoint attached for it,
 * through the faults of the network, of the sending endpoint and of the receiving one.
 * Mailboxes belong to the network, so what an endpoint has not committed survives its
 * stop, restart, or replacement by a new transport for the same fingerprint.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@skcomm/core';
import { MemoryTransportError } from './errors.js';
import { FaultController } from './fault-controller.js';
import { Mailbox, type MailboxEntry } from './mailbox.js';
import { deriveSeed, seededRandom, type RandomSource } from './seeded-random.js';

export interface MemoryNetworkInit {
  /** Seed for every random fault decision. Default 1. */
  seed?: number;
  /** Milliseconds, for flapping schedules. Default `performance.now`. */
  clock?: () => number;
}

/** What the network needs from an attached endpoint. */
export interface MemoryEndpoint {
  onArrival(entry: MailboxEntry): void;
}

export interface RouteRequest {
  from: string;
  to: string;
  bytes: Uint8Array;
  /** The sending transport's name, for errors. */
  transport: string;
  signal?: AbortSignal;
}

const namedNetworks = new Map<string, MemoryNetwork>();

export class MemoryNetwork {
  /** Faults of the whole network. */
  readonly faults: FaultController;
  private readonly seed: number;
  private readonly clock: () => number;
  private readonly positions: RandomSource;
  private readonly endpointFaultsByFingerprint = new Map<string, FaultController>();
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly attached = new Map<string, MemoryEndpoint>();

  constructor(init: MemoryNetworkInit = {}) {
    this.seed = init.seed ?? 1;
    this.clock = init.clock ?? (() => performance.now());
    this.faults = new FaultController('network', this.seed, this.clock);
    this.positions = seededRandom(deriveSeed(this.seed, 'positions'));
  }

  /** The process-wide network of that name, created on first use. Config-loaded transports meet here. */
  static named(name: string): MemoryNetwork {
    let network = namedNetworks.get(name);
    if (network === undefined) {
      network = new MemoryNetwork();
      namedNetworks.set(name, network);
    }
    return network;
  }

  /** Faults of one endpoint: they apply to what it sends and to what is sent to it. */
  endpointFaults(fingerprint: string): FaultController {
    let faults = this.endpointFaultsByFingerprint.get(fingerprint);
    if (faults === undefined) {
      faults = new FaultController(`endpoint ${fingerprint}`, this.seed, this.clock);
      this.endpointFaultsByFingerprint.set(fingerprint, faults);
    }
    return faults;
  }

  mailbox(fingerprint: string): Mailbox {
    let mailbox = this.mailboxes.get(fingerprint);
    if (mailbox === undefined) {
      mailbox = new Mailbox();
      this.mailboxes.set(fingerprint, mailbox);
    }
    return mailbox;
  }

  /** Envelopes waiting, uncommitted, for `fingerprint`. */
  pendingCount(fingerprint: string): number {
    return this.mailboxes.get(fingerprint)?.size ?? 0;
  }

  /** Returns false when another endpoint is already attached for the fingerprint. */
  attach(fingerprint: string, endpoint: MemoryEndpoint): boolean {
    const current = this.attached.get(fingerprint);
    if (current !== undefined && current !== endpoint) return false;
    this.attached.set(fingerprint, endpoint);
    return true;
  }

  detach(fingerprint: string, endpoint: MemoryEndpoint): void {
    if (this.attached.get(fingerprint) === endpoint) this.attached.delete(fingerprint);
  }

  /** Why traffic through these endpoints fails right now, or undefined. */
  downReason(...fingerprints: string[]): string | undefined {
    for (const faults of [this.faults, ...fingerprints.map((fingerprint) => this.endpointFaults(fingerprint))]) {
      const reason = faults.downReason();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** Configured one-way delay through these endpoints, without jitter. */
  latencyMs(...fingerprints: string[]): number {
    return [this.faults, ...fingerprints.map((fingerprint) => this.endpointFaults(fingerprint))].reduce(
      (sum, faults) => sum + faults.settings.latencyMs,
      0,
    );
  }

  /**
   * Carries one envelope. Resolves once it landed (or was silently dropped by a fault);
   * throws a retryable error when the way is down or nobody listens for the recipient.
   */
  async route(request: RouteRequest): Promise<void> {
    this.checkReachable(request);
    const plans = [this.faults, this.endpointFaults(request.from), this.endpointFaults(request.to)].map((faults) => faults.plan());
    const delayMs = plans.reduce((sum, plan) => sum + plan.delayMs, 0);
    if (delayMs > 0) await sleep(delayMs, undefined, request.signal === undefined ? {} : { signal: request.signal });
    // The way may have gone down, or the recipient stopped, while the envelope was in flight.
    this.checkReachable(request);
    const copies = plans.some((plan) => plan.copies === 0) ? 0 : Math.max(...plans.map((plan) => plan.copies));
    const reorder = plans.some((plan) => plan.reorder);
    const mailbox = this.mailbox(request.to);
    const bytes = Uint8Array.from(request.bytes);
    for (let copy = 0; copy < copies; copy++) {
      const position = reorder ? Math.floor(this.positions() * (mailbox.size + 1)) : Infinity;
      const entry = mailbox.add(bytes, request.from, position);
      this.attached.get(request.to)?.onArrival(entry);
    }
  }

  private checkReachable(request: RouteRequest): void {
    const reason = this.downReason(request.from, request.to);
    if (reason !== undefined) {
      throw new MemoryTransportError(`cannot reach ${request.to}: ${reason}`, { transport: request.transport, retryable: true }, ErrorCode.TransportUnavailable);
    }
    if (!this.attached.has(request.to)) {
      throw new MemoryTransportError(
        `cannot reach ${request.to}: no endpoint is listening for it on this network`,
        { transport: request.transport, retryable: true },
        ErrorCode.TransportUnavailable,
      );
    }
  }
}
