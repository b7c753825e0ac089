import * as v from 'valibot';
import { DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';

export const MEMORY_TRANSPORT_ID = 'memory';
export const DEFAULT_NETWORK_NAME = 'default';
/** Attachments up to 8 GiB by default: the receiver spools them to a temp file. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 8 * 1024 ** 3;

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** Name of the process-wide network to join; transports on the same network reach each other. */
  network: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a network name')), DEFAULT_NETWORK_NAME),
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** Largest attachment `sendWithAttachment()` carries. */
  maxAttachmentBytes: v.optional(numberOption(1, Number.MAX_SAFE_INTEGER), DEFAULT_MAX_ATTACHMENT_BYTES),
});

export type MemoryTransportOptions = v.InferOutput<typeof configSchema>;

export function parseMemoryOptions(raw: unknown): MemoryTransportOptions {
  return parseTransportConfig(MEMORY_TRANSPORT_ID, configSchema, raw);
}
