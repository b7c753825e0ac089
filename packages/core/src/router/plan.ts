/**
 * Route planning: which transports to consider, in which order, and which of them are
 * ruled out before anything is sent. Pure, so the outbox and retry logic can plan the
 * same way later. Availability is not decided here: it is checked when a transport's
 * turn comes, because it changes over time.
 */
import type { Transport } from '../transport/contract.js';
import type { RouteMode } from './types.js';

export interface RouteStep {
  name: string;
  /** Undefined when the name is not one of the configured transports. */
  transport: Transport | undefined;
  /** Set when the step is ruled out before any attempt. */
  skipReason: string | undefined;
}

export interface RoutePlanInput {
  transports: readonly Transport[];
  priorityTransports?: readonly string[] | undefined;
  fallbackTransports?: readonly string[] | undefined;
  mode: RouteMode;
  envelopeBytes: number;
}

/**
 * DESIGN §4 order: the envelope's priority_transports, then its fallback_transports,
 * then every configured transport by `priority` (lower first; ties keep config order),
 * each name once.
 */
export function planRoute(input: RoutePlanInput): RouteStep[] {
  const byName = new Map(input.transports.map((transport) => [transport.name, transport]));
  const configuredByPriority = [...input.transports].sort((left, right) => left.priority - right.priority);
  const names = [
    ...(input.priorityTransports ?? []),
    ...(input.fallbackTransports ?? []),
    ...configuredByPriority.map((transport) => transport.name),
  ];
  return [...new Set(names)].map((name) => {
    const transport = byName.get(name);
    const skipReason =
      transport === undefined ? 'not configured' : (modeSkipReason(input.mode, transport) ?? sizeSkipReason(input.envelopeBytes, transport));
    return { name, transport, skipReason };
  });
}

/** stealth and speed are filters: they narrow failover to the transports that fit. */
function modeSkipReason(mode: RouteMode, transport: Transport): string | undefined {
  if (mode === 'stealth' && transport.traits.stealth !== 'high') {
    return `stealth mode uses only high-stealth transports; this one is ${transport.traits.stealth}`;
  }
  if (mode === 'speed' && transport.traits.delivery !== 'realtime') {
    return `speed mode uses only realtime transports; this one is ${transport.traits.delivery}`;
  }
  return undefined;
}

function sizeSkipReason(envelopeBytes: number, transport: Transport): string | undefined {
  const limit = transport.traits.maxEnvelopeBytes;
  return envelopeBytes > limit ? `envelope is ${envelopeBytes} bytes, over this transport's ${limit}-byte limit` : undefined;
}
