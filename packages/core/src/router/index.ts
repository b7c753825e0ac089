/**
 * @skcomm/core/router: route planning, failover and broadcast with an honest
 * per-attempt delivery report, and the transport plugin loader.
 */
export { createRouter } from './router.js';
export { type CooldownPolicy, TransportCooldown, type TransportHealthRecord } from './cooldown.js';
export { backoffDelayMs, jittered } from './backoff.js';
export { planRoute, type RoutePlanInput, type RouteStep } from './plan.js';
export { toAttemptError } from './attempt.js';
export { candidatePackageNames, loadTransport, type LoadTransportOptions, type TransportLoadConfig } from './loader.js';
export {
  type AttemptError,
  type DeliveryAttempt,
  type DeliveryReport,
  ROUTE_MODES,
  type RouteMode,
  type RouteRequest,
  type Router,
  type RouterEvent,
  type RouterEventListener,
  type RouterOptions,
} from './types.js';
