/**
 * Commands: the only payload type SKComm acts on. A command body is a JSON object with
 * a string `verb` (`{"verb":"status","args":{...}}`); only a handler the user
 * registered for that verb runs it, and only for a peer trusted enough.
 */
import { parseStrictJson } from '../envelope/json.js';
import { ErrorCode, RejectionError } from '../errors.js';
import type { VerifiedMessage } from '../message.js';

export const COMMAND_TYPE = 'command';
export const COMMAND_VERB_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

export type CommandHandler = (message: VerifiedMessage, command: { verb: string }) => void | Promise<void>;

/** The verb of a command body; a body without one is refused like an unknown verb. */
export function commandVerb(body: string): string {
  let parsed: unknown;
  try {
    parsed = parseStrictJson(body, 'command body');
  } catch (cause) {
    throw new RejectionError(ErrorCode.TrustDenied, 'command body is not a JSON object with a verb', { cause, field: 'document.body' });
  }
  const verb = typeof parsed === 'object' && parsed !== null ? (parsed as { verb?: unknown }).verb : undefined;
  if (typeof verb !== 'string' || !COMMAND_VERB_PATTERN.test(verb)) {
    throw new RejectionError(ErrorCode.TrustDenied, 'command body has no valid verb', { field: 'document.body' });
  }
  return verb;
}
