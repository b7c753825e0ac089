/**
 * The router: plans a route (plan.ts), walks it in failover order or fans out in
 * broadcast, and reports honestly what each transport did. It keeps no state between
 * calls; the persistent outbox, retries with backoff, acks, cooldown and hedging build
 * on route() and the events rather than inside it.
 */
import { ConfigError, EnvelopeError, ErrorCode } from '../errors.js';
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN } from '../envelope/schema.js';
import { silentLogger, type SendTarget, type Transport } from '../transport/contract.js';
import { attemptSend, skippedAttempt } from './attempt.js';
import { RouterEvents } from './events.js';
import { planRoute, type RouteStep } from './plan.js';
import {
  type DeliveryAttempt,
  type DeliveryReport,
  ROUTE_MODES,
  type RouteMode,
  type RouteRequest,
  type Router,
  type RouterOptions,
} from './types.js';

export function createRouter(options: RouterOptions): Router {
  const transports = [...options.transports];
  checkUniqueNames(transports);
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const events = new RouterEvents(logger);
  if (options.onEvent) events.subscribe(options.onEvent);

  async function route(envelopeBytes: Uint8Array, request: RouteRequest): Promise<DeliveryReport> {
    const mode = checkRequest(envelopeBytes, request);
    const { signal } = request;
    signal?.throwIfAborted();
    const envelopeId = request.envelopeId;
    const steps = planRoute({
      transports,
      priorityTransports: request.priorityTransports,
      fallbackTransports: request.fallbackTransports,
      mode,
      envelopeBytes: envelopeBytes.byteLength,
    });
    events.emit({ type: 'queued', envelope_id: envelopeId, mode, route: steps.map((step) => step.name), at: now().toISOString() });

    const runStep = async (step: RouteStep): Promise<DeliveryAttempt> => {
      const coolingMs = step.transport === undefined ? 0 : (options.cooldown?.remainingMs(step.name) ?? 0);
      const attempt =
        step.transport === undefined || step.skipReason !== undefined
          ? skippedAttempt(step.name, step.skipReason ?? 'not configured', now)
          : coolingMs > 0
            ? skippedAttempt(
                step.name,
                `cooling down for ${Math.ceil(coolingMs / 1000)} s after ${options.cooldown?.consecutiveFailures(step.name) ?? 0} failures in a row`,
                now,
              )
            : await attemptSend(step.transport, {
              bytes: envelopeBytes,
              target: targetFor(step.transport, request),
              now,
              signal,
            });
      options.cooldown?.record(attempt);
      logAttempt(envelopeId, attempt);
      events.emit({ type: 'attempt', envelope_id: envelopeId, attempt, at: now().toISOString() });
      return attempt;
    };

    const attempts = mode === 'broadcast' ? await broadcast(steps, runStep, signal) : await failover(steps, runStep, signal);
    const winner = attempts.find((attempt) => attempt.outcome === 'handed-off');
    const report: DeliveryReport =
      winner === undefined
        ? { envelope_id: envelopeId, state: 'failed', attempts }
        : { envelope_id: envelopeId, state: 'handed-off', transport: winner.transport, attempts };
    if (winner === undefined) {
      logger.warn('no transport took the envelope', { envelope_id: envelopeId, attempts: attempts.length });
      events.emit({ type: 'failed', envelope_id: envelopeId, report, at: now().toISOString() });
    } else {
      logger.info('envelope handed off', { envelope_id: envelopeId, transport: winner.transport });
      events.emit({ type: 'handed-off', envelope_id: envelopeId, report, at: now().toISOString() });
    }
    return report;
  }

  function logAttempt(envelopeId: string, attempt: DeliveryAttempt): void {
    const fields = { envelope_id: envelopeId, transport: attempt.transport, duration_ms: attempt.duration_ms };
    if (attempt.outcome === 'failed') logger.warn('send attempt failed', { ...fields, error: attempt.error });
    else if (attempt.outcome === 'skipped') logger.debug('transport skipped', { ...fields, reason: attempt.detail });
    else logger.debug('send attempt handed off', fields);
  }

  return { route, onEvent: (listener) => events.subscribe(listener), transports };
}

/** One transport at a time, in route order; the first hand-off ends the walk. */
async function failover(
  steps: readonly RouteStep[],
  runStep: (step: RouteStep) => Promise<DeliveryAttempt>,
  signal: AbortSignal | undefined,
): Promise<DeliveryAttempt[]> {
  const attempts: DeliveryAttempt[] = [];
  for (const step of steps) {
    signal?.throwIfAborted();
    const attempt = await runStep(step);
    attempts.push(attempt);
    if (attempt.outcome === 'handed-off') break;
  }
  return attempts;
}

/** Every step at once. The report lists attempts in route order, not completion order. */
async function broadcast(
  steps: readonly RouteStep[],
  runStep: (step: RouteStep) => Promise<DeliveryAttempt>,
  signal: AbortSignal | undefined,
): Promise<DeliveryAttempt[]> {
  // allSettled, not all: an abort must not leave sends running unobserved behind a rejection.
  const settled = await Promise.allSettled(steps.map(runStep));
  signal?.throwIfAborted();
  return settled.map((result) => {
    // runStep only rejects on abort, which throwIfAborted above already surfaced.
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

function targetFor(transport: Transport, request: RouteRequest): SendTarget {
  // hasOwn: a transport may legitimately be named "constructor"; never read the prototype.
  const address = request.addresses !== undefined && Object.hasOwn(request.addresses, transport.name) ? request.addresses[transport.name] : undefined;
  return address === undefined ? { fingerprint: request.recipientFingerprint } : { fingerprint: request.recipientFingerprint, address };
}

/**
 * The id and fingerprint end up in file names and URLs of some transports, so a
 * malformed request is refused here rather than passed on.
 */
function checkRequest(envelopeBytes: Uint8Array, request: RouteRequest): RouteMode {
  if (!(envelopeBytes instanceof Uint8Array) || envelopeBytes.byteLength === 0) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, 'route: envelope bytes must be a non-empty Uint8Array', { field: '(bytes)' });
  }
  if (!ENVELOPE_ID_PATTERN.test(request.envelopeId)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, 'route: envelopeId must be a lowercase UUID v4', { field: 'envelope_id' });
  }
  if (!FINGERPRINT_PATTERN.test(request.recipientFingerprint)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, 'route: recipientFingerprint must be a full uppercase hex fingerprint', {
      field: 'to.fingerprint',
    });
  }
  const mode = request.mode ?? 'failover';
  if (!(ROUTE_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `route: unknown mode "${String(mode)}" (expected ${ROUTE_MODES.join(', ')})`, {
      field: 'mode',
    });
  }
  return mode;
}

function checkUniqueNames(transports: readonly Transport[]): void {
  const seen = new Set<string>();
  for (const transport of transports) {
    if (seen.has(transport.name)) {
      throw new ConfigError(ErrorCode.ConfigInvalid, `two configured transports are named "${transport.name}"; names must be unique`, {
        field: 'transports',
      });
    }
    seen.add(transport.name);
  }
}
