/** `SKCOMM_DEV_AUTH=1|true|yes` turns the CapAuth signature check off (DESIGN §3). Never the default. */

/** The exact line logged at startup (and every minute) while the check is off. */
export const DEV_AUTH_WARNING = 'SKCOMM_DEV_AUTH=1 — CapAuth signature check DISABLED';

const ENABLED = new Set(['1', 'true', 'yes']);

export function devAuthFromEnvironment(environment: NodeJS.ProcessEnv = process.env): boolean {
  return ENABLED.has((environment.SKCOMM_DEV_AUTH ?? '').trim().toLowerCase());
}

/** Loopback only: a relay without auth on a reachable interface is refused (threat model T13). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
