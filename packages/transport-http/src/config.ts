import * as v from 'valibot';
import { booleanOption, ConfigError, DEFAULT_MAX_ENVELOPE_BYTES, ErrorCode, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { isAbsolute, normalize } from 'node:path';
import { parseEndpointUrl, parseListenAddress, type ListenAddress } from './address.js';

export const HTTP_TRANSPORT_ID = 'http';
export const DEFAULT_PATH = '/skcomm';

const listen = v.pipe(
  v.union([v.string(), v.number()], 'must be HOST:PORT'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseListenAddress(String(dataset.value));
    if ('problem' in parsed) {
      addIssue({ message: `must be HOST:PORT (${parsed.problem})` });
      return NEVER;
    }
    return parsed as ListenAddress;
  }),
);

const endpoint = v.pipe(
  v.string('must be a URL'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseEndpointUrl(dataset.value);
    if ('problem' in parsed) {
      addIssue({ message: parsed.problem });
      return NEVER;
    }
    return parsed.href;
  }),
);

/** Comma-separated URLs, or a YAML list of them. */
const endpointList = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be URLs'),
  v.transform((value) => (Array.isArray(value) ? value : value.split(',')).map((url) => url.trim()).filter((url) => url !== '')),
  v.array(endpoint),
);

const absolutePath = v.pipe(
  v.string('must be a path'),
  v.transform((path) => path.trim()),
  v.check(isAbsolute, 'must be an absolute path'),
  v.check((path) => !path.includes('\0'), 'must not contain NUL'),
  v.transform(normalize),
);

const urlPath = v.pipe(
  v.string(),
  v.regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a URL path starting with /'),
  v.transform((path) => (path.length > 1 ? path.replace(/\/+$/, '') : path)),
);

const secret = v.pipe(v.string(), v.minLength(16, 'must be at least 16 characters'), v.maxLength(512, 'must be at most 512 characters'));

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** Where the receiving server listens; without it the transport only sends (and polls). */
  listen: v.optional(listen),
  /** The URL path envelopes are POSTed to; the mailbox API lives under it. */
  path: v.optional(urlPath, DEFAULT_PATH),
  /** Where received envelopes wait for commit(). Default: `<state dir>/http-spool/<name>`. */
  spool: v.optional(absolutePath),
  /** Larger envelopes are refused on send and answered 413 on receive, while streaming. */
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** Longest a webhook POST (connect, send, answer) may take. */
  timeoutMs: v.optional(numberOption(100, 600_000), 10_000),
  /** Requests per second each source IP may make; 0 turns the limit off. */
  rateLimit: v.optional(numberOption(0, 1_000_000, false), 100),
  /** How many requests a source IP may make at once before the rate applies. */
  rateLimitBurst: v.optional(numberOption(1, 1_000_000), 500),
  /** Most envelopes waiting in the spool (own inbox and mailboxes together); beyond it the server answers 503. */
  maxSpooled: v.optional(numberOption(1, 10_000_000), 10_000),
  /** Serve the mailbox API: hold envelopes for the fingerprints in `mailboxTokens` until they poll. */
  mailbox: v.optional(booleanOption(), false),
  /** A file of `FINGERPRINT TOKEN` lines: who may have a mailbox here, and the bearer token that opens it. */
  mailboxTokens: v.optional(absolutePath),
  /** A mailbox to poll for envelopes to us: the endpoint URL of another agent's (or a relay's) http transport. */
  poll: v.optional(endpoint),
  /** The bearer token for `poll` (as listed in that mailbox's `mailboxTokens`). Never logged. */
  pollToken: v.optional(secret),
  /** How often subscribe() looks at the spool and the polled mailbox. */
  pollIntervalMs: v.optional(numberOption(10, 3_600_000), 1000),
  /** Endpoints healthCheck() probes (GET <url>/health): a peer or a mailbox this agent depends on. */
  probe: v.optional(endpointList, []),
  /** Declared in the traits for the router. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 500),
});

export type HttpTransportInit = v.InferInput<typeof configSchema>;
export type HttpTransportOptions = v.InferOutput<typeof configSchema>;

export function parseHttpOptions(raw: unknown): HttpTransportOptions {
  const options = parseTransportConfig(HTTP_TRANSPORT_ID, configSchema, raw);
  if (options.mailbox && options.mailboxTokens === undefined) {
    throw configProblem('mailboxTokens', 'is required when mailbox is on (nobody could open a mailbox without a token)');
  }
  if (options.mailbox && options.listen === undefined) throw configProblem('listen', 'is required when mailbox is on');
  if (options.poll !== undefined && options.pollToken === undefined) throw configProblem('pollToken', 'is required with poll');
  return options;
}

function configProblem(field: string, message: string): Error {
  return new ConfigError(ErrorCode.ConfigInvalid, `transport "${HTTP_TRANSPORT_ID}": ${field} ${message}`, { field });
}
