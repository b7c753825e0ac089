import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  TRANSPORT_SPECIFICATION_VERSION,
  silentLogger
} from "./chunk-JURT7EM5.js";
import {
  Inbox,
  Outbox,
  PeerStore,
  Quarantine,
  ReplayStore,
  TransportConfigStore,
  acquireHomeLock,
  createFileLogger,
  homeLayout,
  isTerminalState,
  loadIdentity,
  readConfig,
  readOwnPublicKey,
  readRegularFile,
  resolveHome,
  writeFileAtomic
} from "./chunk-RGUND62D.js";
import {
  ACK_CONTENT_TYPE,
  ACK_PAYLOAD_TYPE,
  ConfigError,
  ENVELOPE_ID_PATTERN,
  EnvelopeError,
  ErrorCode,
  FINGERPRINT_PATTERN,
  RejectionError,
  SkcommError,
  StorageError,
  TRANSPORT_NAME_PATTERN,
  TransportError,
  buildAckBody,
  createCapauthToken,
  describeError,
  parseAckBody,
  parseEnvelope,
  sealEnvelope,
  serializeEnvelope,
  signedDocumentSha256
} from "./chunk-GFALYBZX.js";

// ../../packages/core/dist/agent/agent.js
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join as join2 } from "node:path";

// ../../packages/core/dist/router/attempt.js
function skippedAttempt(name, reason, now) {
  return { transport: name, outcome: "skipped", started_at: now().toISOString(), duration_ms: 0, detail: reason };
}
async function attemptSend(transport, context) {
  const startedAt = context.now();
  const finish = (fields) => ({
    transport: transport.name,
    started_at: startedAt.toISOString(),
    duration_ms: Math.max(0, context.now().getTime() - startedAt.getTime()),
    ...fields
  });
  let available;
  try {
    available = await transport.isAvailable();
  } catch (error) {
    return finish({ outcome: "skipped", detail: `availability check failed: ${describeError(error)}` });
  }
  if (!available)
    return finish({ outcome: "skipped", detail: "not available" });
  try {
    const result = await transport.send(context.bytes, context.target, context.signal ? { signal: context.signal } : {});
    return finish(result.detail === void 0 ? { outcome: "handed-off" } : { outcome: "handed-off", detail: result.detail });
  } catch (error) {
    if (context.signal?.aborted)
      throw context.signal.reason;
    return finish({ outcome: "failed", error: toAttemptError(error) });
  }
}
function toAttemptError(error) {
  if (TransportError.isTransportError(error)) {
    return { code: error.code, message: describeError(error), retryable: error.retryable };
  }
  if (SkcommError.is(error))
    return { code: error.code, message: describeError(error), retryable: false };
  return { code: ErrorCode.Transport, message: describeError(error), retryable: true };
}

// ../../packages/core/dist/router/events.js
var RouterEvents = class {
  logger;
  listeners = /* @__PURE__ */ new Set();
  constructor(logger) {
    this.logger = logger;
  }
  subscribe(listener) {
    const entry = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }
  emit(event) {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn("router event listener threw", { event: event.type, error: describeError(error) });
      }
    }
  }
};

// ../../packages/core/dist/router/plan.js
function planRoute(input) {
  const byName = new Map(input.transports.map((transport) => [transport.name, transport]));
  const configuredByPriority = [...input.transports].sort((left, right) => left.priority - right.priority);
  const names = [
    ...input.priorityTransports ?? [],
    ...input.fallbackTransports ?? [],
    ...configuredByPriority.map((transport) => transport.name)
  ];
  return [...new Set(names)].map((name) => {
    const transport = byName.get(name);
    const skipReason = transport === void 0 ? "not configured" : modeSkipReason(input.mode, transport) ?? sizeSkipReason(input.envelopeBytes, transport);
    return { name, transport, skipReason };
  });
}
function modeSkipReason(mode, transport) {
  if (mode === "stealth" && transport.traits.stealth !== "high") {
    return `stealth mode uses only high-stealth transports; this one is ${transport.traits.stealth}`;
  }
  if (mode === "speed" && transport.traits.delivery !== "realtime") {
    return `speed mode uses only realtime transports; this one is ${transport.traits.delivery}`;
  }
  return void 0;
}
function sizeSkipReason(envelopeBytes, transport) {
  const limit = transport.traits.maxEnvelopeBytes;
  return envelopeBytes > limit ? `envelope is ${envelopeBytes} bytes, over this transport's ${limit}-byte limit` : void 0;
}

// ../../packages/core/dist/router/types.js
var ROUTE_MODES = ["failover", "broadcast", "stealth", "speed"];

// ../../packages/core/dist/router/router.js
function createRouter(options) {
  const transports = [...options.transports];
  checkUniqueNames(transports);
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const events = new RouterEvents(logger);
  if (options.onEvent)
    events.subscribe(options.onEvent);
  async function route(envelopeBytes, request) {
    const mode = checkRequest(envelopeBytes, request);
    const { signal } = request;
    signal?.throwIfAborted();
    const envelopeId = request.envelopeId;
    const steps = planRoute({
      transports,
      priorityTransports: request.priorityTransports,
      fallbackTransports: request.fallbackTransports,
      mode,
      envelopeBytes: envelopeBytes.byteLength
    });
    events.emit({ type: "queued", envelope_id: envelopeId, mode, route: steps.map((step) => step.name), at: now().toISOString() });
    const runStep = async (step) => {
      const coolingMs = step.transport === void 0 ? 0 : options.cooldown?.remainingMs(step.name) ?? 0;
      const attempt = step.transport === void 0 || step.skipReason !== void 0 ? skippedAttempt(step.name, step.skipReason ?? "not configured", now) : coolingMs > 0 ? skippedAttempt(step.name, `cooling down for ${Math.ceil(coolingMs / 1e3)} s after ${options.cooldown?.consecutiveFailures(step.name) ?? 0} failures in a row`, now) : await attemptSend(step.transport, {
        bytes: envelopeBytes,
        target: targetFor(step.transport, request),
        now,
        signal
      });
      options.cooldown?.record(attempt);
      logAttempt(envelopeId, attempt);
      events.emit({ type: "attempt", envelope_id: envelopeId, attempt, at: now().toISOString() });
      return attempt;
    };
    const attempts = mode === "broadcast" ? await broadcast(steps, runStep, signal) : await failover(steps, runStep, signal);
    const winner = attempts.find((attempt) => attempt.outcome === "handed-off");
    const report = winner === void 0 ? { envelope_id: envelopeId, state: "failed", attempts } : { envelope_id: envelopeId, state: "handed-off", transport: winner.transport, attempts };
    if (winner === void 0) {
      logger.warn("no transport took the envelope", { envelope_id: envelopeId, attempts: attempts.length });
      events.emit({ type: "failed", envelope_id: envelopeId, report, at: now().toISOString() });
    } else {
      logger.info("envelope handed off", { envelope_id: envelopeId, transport: winner.transport });
      events.emit({ type: "handed-off", envelope_id: envelopeId, report, at: now().toISOString() });
    }
    return report;
  }
  function logAttempt(envelopeId, attempt) {
    const fields = { envelope_id: envelopeId, transport: attempt.transport, duration_ms: attempt.duration_ms };
    if (attempt.outcome === "failed")
      logger.warn("send attempt failed", { ...fields, error: attempt.error });
    else if (attempt.outcome === "skipped")
      logger.debug("transport skipped", { ...fields, reason: attempt.detail });
    else
      logger.debug("send attempt handed off", fields);
  }
  return { route, onEvent: (listener) => events.subscribe(listener), transports };
}
async function failover(steps, runStep, signal) {
  const attempts = [];
  for (const step of steps) {
    signal?.throwIfAborted();
    const attempt = await runStep(step);
    attempts.push(attempt);
    if (attempt.outcome === "handed-off")
      break;
  }
  return attempts;
}
async function broadcast(steps, runStep, signal) {
  const settled = await Promise.allSettled(steps.map(runStep));
  signal?.throwIfAborted();
  return settled.map((result) => {
    if (result.status === "rejected")
      throw result.reason;
    return result.value;
  });
}
function targetFor(transport, request) {
  const address = request.addresses !== void 0 && Object.hasOwn(request.addresses, transport.name) ? request.addresses[transport.name] : void 0;
  return address === void 0 ? { fingerprint: request.recipientFingerprint } : { fingerprint: request.recipientFingerprint, address };
}
function checkRequest(envelopeBytes, request) {
  if (!(envelopeBytes instanceof Uint8Array) || envelopeBytes.byteLength === 0) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, "route: envelope bytes must be a non-empty Uint8Array", { field: "(bytes)" });
  }
  if (!ENVELOPE_ID_PATTERN.test(request.envelopeId)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, "route: envelopeId must be a lowercase UUID v4", { field: "envelope_id" });
  }
  if (!FINGERPRINT_PATTERN.test(request.recipientFingerprint)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, "route: recipientFingerprint must be a full uppercase hex fingerprint", {
      field: "to.fingerprint"
    });
  }
  const mode = request.mode ?? "failover";
  if (!ROUTE_MODES.includes(mode)) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `route: unknown mode "${String(mode)}" (expected ${ROUTE_MODES.join(", ")})`, {
      field: "mode"
    });
  }
  return mode;
}
function checkUniqueNames(transports) {
  const seen = /* @__PURE__ */ new Set();
  for (const transport of transports) {
    if (seen.has(transport.name)) {
      throw new ConfigError(ErrorCode.ConfigInvalid, `two configured transports are named "${transport.name}"; names must be unique`, {
        field: "transports"
      });
    }
    seen.add(transport.name);
  }
}

// ../../packages/core/dist/router/cooldown.js
var TransportCooldown = class {
  policy;
  monotonicNow;
  wallNow;
  tracked = /* @__PURE__ */ new Map();
  changed = false;
  constructor(policy, monotonicNow = () => performance.now(), wallNow = () => /* @__PURE__ */ new Date()) {
    this.policy = policy;
    this.monotonicNow = monotonicNow;
    this.wallNow = wallNow;
  }
  /** Milliseconds left in the transport's cooldown; 0 when it may be tried. */
  remainingMs(name) {
    const entry = this.tracked.get(name);
    return entry === void 0 ? 0 : Math.max(0, entry.coolingUntilMono - this.monotonicNow());
  }
  consecutiveFailures(name) {
    return this.tracked.get(name)?.failures ?? 0;
  }
  record(attempt) {
    if (attempt.outcome === "skipped")
      return;
    const entry = this.entry(attempt.transport);
    const at = this.wallNow();
    if (attempt.outcome === "handed-off") {
      entry.failures = 0;
      entry.coolingUntilMono = 0;
      entry.record = { ...entry.record, consecutive_failures: 0, cooling_down_until: null, last_success_at: at.toISOString() };
      this.changed = true;
      return;
    }
    if (attempt.error?.retryable === false)
      return;
    entry.failures++;
    const over = entry.failures - this.policy.failuresBeforeCooldown;
    let until = null;
    if (over >= 0) {
      const waitMs = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** Math.min(over, 30));
      entry.coolingUntilMono = this.monotonicNow() + waitMs;
      until = new Date(at.getTime() + waitMs).toISOString();
    }
    entry.record = {
      ...entry.record,
      consecutive_failures: entry.failures,
      cooling_down_until: until,
      last_error: { code: attempt.error?.code ?? "E_TRANSPORT", message: attempt.error?.message ?? "failed", at: at.toISOString() }
    };
    this.changed = true;
  }
  /** What status shows, per transport. */
  snapshot() {
    return Object.fromEntries([...this.tracked].map(([name, entry]) => [name, { ...entry.record }]));
  }
  /** True once after anything changed since the last call: lets the host persist only when needed. */
  takeChanged() {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }
  entry(name) {
    let entry = this.tracked.get(name);
    if (entry === void 0) {
      entry = {
        failures: 0,
        coolingUntilMono: 0,
        record: { consecutive_failures: 0, cooling_down_until: null, last_error: null, last_success_at: null }
      };
      this.tracked.set(name, entry);
    }
    return entry;
  }
};

// ../../packages/core/dist/router/backoff.js
function backoffDelayMs(scheduleMs, retryCount, random = Math.random) {
  if (scheduleMs.length === 0)
    throw new RangeError("the retry schedule is empty");
  const step = scheduleMs[Math.min(Math.max(retryCount, 1), scheduleMs.length) - 1] ?? 0;
  return jittered(step, random);
}
function jittered(delayMs, random = Math.random) {
  return Math.round(delayMs * (0.8 + 0.4 * random()));
}

// ../../packages/core/dist/router/loader.js
import { basename, isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";

// ../../packages/core/dist/router/resolve-package.js
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
var IMPORT_CONDITIONS = /* @__PURE__ */ new Set(["node", "import", "default"]);
function findInstalledPackage(packageName, resolveFrom) {
  const require2 = createRequire(hostFile(resolveFrom));
  for (const nodeModules of require2.resolve.paths(packageName) ?? []) {
    const folder = readPackageFolder(join(nodeModules, packageName));
    if (folder !== void 0)
      return folder;
  }
  return void 0;
}
function listPluginFolders(pluginDir) {
  let entries;
  try {
    entries = readdirSync(pluginDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.isDirectory() || entry.isSymbolicLink()).map((entry) => readPackageFolder(join(pluginDir, entry.name))).filter((folder) => folder !== void 0);
}
function packageEntry(folder) {
  const { exports, main } = folder.manifest;
  let relative;
  if (exports !== void 0) {
    relative = conditionalTarget(rootExport(exports));
    if (relative === void 0)
      throw new Error('its package.json "exports" has no "." entry for import');
  } else {
    relative = typeof main === "string" ? main : "index.js";
  }
  const entry = resolve(folder.directory, relative);
  if (!entry.startsWith(folder.directory + sep))
    throw new Error(`its entry ${relative} points outside the package`);
  if (!existsSync(entry) || !statSync(entry).isFile())
    throw new Error(`its entry ${relative} does not exist`);
  return entry;
}
function readPackageFolder(directory) {
  let text;
  try {
    text = readFileSync(join(directory, "package.json"), "utf8");
  } catch {
    return void 0;
  }
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch {
    manifest = void 0;
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
    throw new Error(`${join(directory, "package.json")} is not a JSON object`);
  }
  const record = manifest;
  return { directory: resolve(directory), name: typeof record.name === "string" ? record.name : void 0, manifest: record };
}
function rootExport(exports) {
  if (typeof exports !== "object" || exports === null || Array.isArray(exports))
    return exports;
  const record = exports;
  return Object.keys(record).some((key) => key.startsWith(".")) ? record["."] : record;
}
function conditionalTarget(target) {
  if (typeof target === "string")
    return target;
  if (Array.isArray(target)) {
    for (const candidate of target) {
      const found = conditionalTarget(candidate);
      if (found !== void 0)
        return found;
    }
    return void 0;
  }
  if (typeof target === "object" && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(condition))
        continue;
      const found = conditionalTarget(value);
      if (found !== void 0)
        return found;
    }
  }
  return void 0;
}
function hostFile(resolveFrom) {
  const path = resolveFrom instanceof URL || resolveFrom.startsWith("file:") ? fileURLToPath(resolveFrom) : resolve(resolveFrom);
  const isDirectory = existsSync(path) && statSync(path).isDirectory();
  return isDirectory ? join(path, "skcomm-resolve-from.js") : path;
}

// ../../packages/core/dist/router/loader.js
var PACKAGE_NAME_PATTERN = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
async function loadTransport(config, context, options = {}) {
  const candidates = candidatePackageNames(config);
  const located = locatePackage(config, candidates, options);
  const plugin = pickPlugin(await importPackage(config.name, located), config.name, located.packageName);
  let parsed;
  try {
    parsed = plugin.parseOptions(config.options ?? {});
  } catch (error) {
    const code = SkcommError.is(error) ? error.code : ErrorCode.ConfigInvalid;
    throw transportError(config.name, code, `invalid options for ${located.packageName}: ${describeError(error)}`, error);
  }
  const common = config.priority === void 0 ? { name: config.name } : { name: config.name, priority: config.priority };
  let transport;
  try {
    transport = plugin.create({ ...parsed, ...common }, context);
  } catch (error) {
    throw transportError(config.name, ErrorCode.TransportLoad, `${located.packageName} could not create the transport: ${describeError(error)}`, error);
  }
  checkTransport(transport, config.name, located.packageName);
  context.logger.debug("transport loaded", { transport: config.name, package: located.packageName, from: located.origin });
  return transport;
}
function candidatePackageNames(config) {
  if (typeof config.name !== "string" || !TRANSPORT_NAME_PATTERN.test(config.name)) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `transport name "${String(config.name)}" must match ${TRANSPORT_NAME_PATTERN}`, {
      field: "name"
    });
  }
  if (usesDefaultPackage(config))
    return [`@skcomm/transport-${config.name}`, `skcomm-transport-${config.name}`];
  const packageName = config.package;
  if (typeof packageName === "string" && isAbsolute(packageName))
    return [packageName];
  if (typeof packageName !== "string" || packageName.length > 214 || !PACKAGE_NAME_PATTERN.test(packageName)) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `transport "${config.name}": "${String(packageName)}" is neither an npm package name nor an absolute path`, { field: "package" });
  }
  return [packageName];
}
function usesDefaultPackage(config) {
  return config.package === void 0 || config.package === `@skcomm/transport-${config.name}`;
}
function locatePackage(config, candidates, options) {
  const resolveFrom = options.resolveFrom ?? process.cwd();
  try {
    if (config.package !== void 0 && isAbsolute(config.package)) {
      const folder = readPackageFolder(config.package);
      if (folder !== void 0)
        return { packageName: folder.name ?? config.package, folder, origin: "path" };
      throw transportError(config.name, ErrorCode.TransportLoad, `${config.package} holds no package.json`);
    }
    for (const pluginDir of options.pluginDirs ?? []) {
      for (const folder of listPluginFolders(pluginDir)) {
        if (folder.name !== void 0 && candidates.includes(folder.name)) {
          return { packageName: folder.name, folder, origin: "plugin dir" };
        }
        if (usesDefaultPackage(config) && basename(folder.directory) === config.name) {
          return { packageName: folder.name ?? folder.directory, folder, origin: "plugin dir" };
        }
      }
    }
    for (const packageName of candidates) {
      const folder = findInstalledPackage(packageName, resolveFrom);
      if (folder !== void 0)
        return { packageName, folder, origin: "installed" };
    }
  } catch (error) {
    if (SkcommError.is(error))
      throw error;
    throw transportError(config.name, ErrorCode.TransportLoad, `cannot look for its package: ${describeError(error)}`, error);
  }
  const where = options.pluginDirs?.length ? ` or in ${options.pluginDirs.join(", ")}` : "";
  throw transportError(config.name, ErrorCode.TransportLoad, `package ${candidates.join(" / ")} is not installed (looked from ${String(resolveFrom)}${where}); install it with: npm i ${candidates[0]}`);
}
async function importPackage(name, located) {
  try {
    return await import(pathToFileURL(packageEntry(located.folder)).href);
  } catch (error) {
    throw transportError(name, ErrorCode.TransportLoad, `${located.packageName} failed to load: ${describeError(error)}`, error);
  }
}
function pickPlugin(module, name, packageName) {
  const exported = [module.default, module.plugin].find((value) => typeof value === "object" && value !== null && "specificationVersion" in value);
  if (exported === void 0) {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName} has no transport plugin export (expected a default or "plugin" export with specificationVersion "${TRANSPORT_SPECIFICATION_VERSION}")`);
  }
  if (exported.specificationVersion !== TRANSPORT_SPECIFICATION_VERSION) {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName} implements ${String(exported.specificationVersion)}, but this SKComm needs ${TRANSPORT_SPECIFICATION_VERSION}; install a matching version`);
  }
  if (typeof exported.parseOptions !== "function" || typeof exported.create !== "function") {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName}'s plugin export lacks parseOptions() or create()`);
  }
  return exported;
}
var TRANSPORT_METHODS = ["start", "stop", "isAvailable", "send", "receive", "healthCheck"];
function checkTransport(transport, name, packageName) {
  const record = transport;
  const missing = typeof record !== "object" || record === null ? ["everything"] : TRANSPORT_METHODS.filter((method) => typeof record[method] !== "function");
  if (missing.length > 0 || typeof record?.traits !== "object") {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName}'s create() did not return a transport (missing ${missing.join(", ") || "traits"})`);
  }
  if (transport.name !== name) {
    throw transportError(name, ErrorCode.TransportLoad, `${packageName} created a transport named "${transport.name}" instead of "${name}"`);
  }
}
function transportError(name, code, message, cause) {
  const field = SkcommError.is(cause) && cause.field !== void 0 ? `transports.${name}.${cause.field}` : `transports.${name}`;
  return new ConfigError(code, `transport "${name}": ${message}`, cause === void 0 ? { field } : { cause, field });
}

// ../../packages/core/dist/agent/delivery.js
function decideRound(entry, report, context) {
  const random = context.random ?? Math.random;
  if (report.state === "handed-off" && report.transport !== void 0) {
    const winner = report.attempts.find((attempt) => attempt.transport === report.transport);
    const step = backoffDelayMs(context.scheduleMs, entry.rounds + 1, random);
    return {
      kind: "handed-off",
      via: report.transport,
      detail: winner?.detail ?? "",
      retryCount: entry.retryCount,
      delayMs: Math.max(step, jittered(2 * context.latencyMsOf(report.transport), random))
    };
  }
  const tried = report.attempts.filter((attempt) => attempt.outcome === "failed");
  const reasons = describeFailures(report);
  if (tried.length > 0 && tried.length === report.attempts.length && tried.every((attempt) => attempt.error?.retryable === false)) {
    return { kind: "dead", retryCount: entry.retryCount, reason: `every transport refused it for good: ${reasons}` };
  }
  const retryCount = entry.retryCount + 1;
  if (retryCount > entry.maxRetries) {
    return { kind: "dead", retryCount, reason: `out of retries after ${entry.maxRetries} (last round: ${reasons})` };
  }
  return { kind: "retry", retryCount, delayMs: backoffDelayMs(context.scheduleMs, retryCount, random) };
}
function expiresAt(entry) {
  return Date.parse(entry.createdAt) + entry.ttlSeconds * 1e3;
}
function describeFailures(report) {
  if (report.attempts.length === 0)
    return "no transport configured";
  return report.attempts.map((attempt) => `${attempt.transport}: ${attempt.error?.message ?? attempt.detail ?? attempt.outcome}`).join("; ");
}

// ../../packages/core/dist/agent/agent.js
var RETRY_CONCURRENCY = 16;
var HEALTH_SAVE_INTERVAL_MS = 1e3;
var Agent = class _Agent {
  home;
  layout;
  config;
  publicKey;
  options;
  logger;
  peers;
  transportConfigs;
  identity;
  transports;
  pipeline;
  outboxStore;
  inbox;
  cooldown;
  /** Monotonic due times of pending messages, with the persisted wall time they came from. */
  dueAt = /* @__PURE__ */ new Map();
  inFlight = /* @__PURE__ */ new Map();
  pendingAcks = /* @__PURE__ */ new Set();
  /** When each envelope was last acked (monotonic), to coalesce acks for copies arriving together. */
  recentAcks = /* @__PURE__ */ new Map();
  lastHealthSave = 0;
  constructor(home, layout, config, publicKey, options, logger) {
    this.home = home;
    this.layout = layout;
    this.config = config;
    this.publicKey = publicKey;
    this.options = options;
    this.logger = logger;
    this.peers = new PeerStore(layout.peersDir);
    this.transportConfigs = new TransportConfigStore(layout.transportsDir);
    this.inbox = new Inbox(layout.inboxDir);
    this.cooldown = new TransportCooldown({
      failuresBeforeCooldown: config.cooldown_after_failures,
      baseMs: config.cooldown_seconds * 1e3,
      maxMs: config.cooldown_seconds * 1e3 * 32
    });
  }
  static async open(options = {}) {
    const home = options.home ?? resolveHome(process.env);
    const layout = homeLayout(home);
    const config = await readConfig(home);
    const publicKey = await readOwnPublicKey(home);
    const logger = options.logger ?? createFileLogger(layout.transportLogFile);
    return new _Agent(home, layout, config, publicKey, options, logger);
  }
  get name() {
    return this.config.name;
  }
  get fingerprint() {
    return this.publicKey.fingerprint;
  }
  /** Adds a transport to config after checking that its package loads and accepts the options. */
  async addTransport(entry) {
    const record = this.transportConfigs.prepare(entry);
    await loadTransport(record, await this.transportContext(record.name), this.loaderOptions());
    await this.transportConfigs.add(record);
    await this.close();
    return record;
  }
  /**
   * Seals the draft, makes it durable in the outbox (resolves only after the fsync), then
   * runs one routing round. The report's state is honest: `handed-off` (a transport
   * took it), `queued` (none did now; retried later), `dead`, or `delivered` when
   * `waitMs` was given and the recipient's signed ack came back in time.
   */
  async send(peerName, draft, options = {}) {
    const peer = await this.peers.get(peerName);
    if (!peer)
      throw new ConfigError(ErrorCode.NotFound, `no peer named "${peerName}"; add one with skcomm peer add`, { field: "to" });
    if (peer.revoked)
      throw new SkcommError(ErrorCode.KeyRevoked, `peer ${peer.name} is revoked; not sending to it`);
    const [sender, pinned, outbox] = await Promise.all([this.unlock(), this.peers.findByFingerprint(peer.fingerprint), this.outbox()]);
    if (pinned === void 0)
      throw new ConfigError(ErrorCode.NotFound, `peer ${peer.name} has no usable key`, { field: "to" });
    const fixed = { ...draft, envelopeId: draft.envelopeId ?? randomUUID(), createdAt: draft.createdAt ?? /* @__PURE__ */ new Date() };
    const sealOptions = {
      sender,
      recipient: { ...pinned.key, name: peer.name },
      mode: options.security ?? this.config.default_mode
    };
    const envelope = await sealEnvelope(fixed, sealOptions);
    await outbox.enqueue({
      envelopeId: envelope.envelope_id,
      peer: peer.name,
      recipientFingerprint: peer.fingerprint,
      documentSha256: signedDocumentSha256(fixed, sealOptions),
      mode: options.mode ?? "failover",
      createdAt: envelope.timestamp,
      ttlSeconds: envelope.routing.ttl_seconds,
      maxRetries: envelope.routing.max_retries,
      envelope: serializeEnvelope(envelope)
    });
    this.logger.info("envelope queued", { envelope_id: envelope.envelope_id, peer: peer.name });
    const report = await this.deliverOnce(envelope.envelope_id, options.signal);
    if (options.waitMs !== void 0 && options.waitMs > 0 && report.state === "handed-off") {
      await this.waitForDelivery(envelope.envelope_id, options.waitMs, options.signal);
    }
    return { envelopeId: envelope.envelope_id, report: await this.reportOf(envelope.envelope_id, report) };
  }
  /** The outbox of this home (opened on first use). */
  outbox() {
    this.outboxStore ??= Outbox.open(this.layout.outboxDir);
    this.outboxStore.catch(() => this.outboxStore = void 0);
    return this.outboxStore;
  }
  /**
   * Sends again every pending message whose next attempt is due (monotonic clock), and
   * expires those past their ttl. Returns how many were attempted.
   */
  async retryDue(signal) {
    const outbox = await this.outbox();
    await outbox.refresh();
    const nowMono = performance.now();
    const due = [];
    for (const entry of outbox.list()) {
      if (isTerminalState(entry.state)) {
        this.dueAt.delete(entry.envelopeId);
        continue;
      }
      let known = this.dueAt.get(entry.envelopeId);
      if (known === void 0 || known.wall !== entry.nextAttemptAt) {
        known = { mono: nowMono + Math.max(0, Date.parse(entry.nextAttemptAt) - Date.now()), wall: entry.nextAttemptAt };
        this.dueAt.set(entry.envelopeId, known);
      }
      if (known.mono <= nowMono && !this.inFlight.has(entry.envelopeId))
        due.push(entry.envelopeId);
    }
    let next = 0;
    const worker = async () => {
      while (next < due.length && !signal?.aborted) {
        const envelopeId = due[next++];
        await this.deliverOnce(envelopeId, signal).catch((error) => {
          if (signal?.aborted)
            return;
          this.logger.error("retry failed", { envelope_id: envelopeId, error: describeError(error) });
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(RETRY_CONCURRENCY, due.length) }, worker));
    return due.length;
  }
  /** Milliseconds until the earliest pending message is due, or undefined when none is pending. */
  async msUntilNextDue() {
    const outbox = await this.outbox();
    const nowMono = performance.now();
    let earliest;
    for (const entry of outbox.list()) {
      if (isTerminalState(entry.state) || this.inFlight.has(entry.envelopeId))
        continue;
      const known = this.dueAt.get(entry.envelopeId);
      const ms = known !== void 0 && known.wall === entry.nextAttemptAt ? known.mono - nowMono : Date.parse(entry.nextAttemptAt) - Date.now();
      earliest = earliest === void 0 ? ms : Math.min(earliest, ms);
    }
    return earliest === void 0 ? void 0 : Math.max(0, earliest);
  }
  /** `outbox retry`: queues the message again (a dead letter too) and runs a round now. */
  async retryNow(envelopeId, signal) {
    const outbox = await this.outbox();
    await outbox.refresh();
    const entry = outbox.get(envelopeId);
    if (entry === void 0)
      throw new StorageError(ErrorCode.NotFound, `no envelope ${envelopeId} in the outbox`);
    if (entry.state === "dead" || entry.state === "expired")
      await outbox.revive(envelopeId);
    const report = await this.deliverOnce(envelopeId, signal);
    return this.reportOf(envelopeId, report);
  }
  /**
   * Waits until the message is delivered (acked) or `timeoutMs` passed, receiving on every
   * transport meanwhile (a daemon on the same home may take the ack: its record counts).
   */
  async waitForDelivery(envelopeId, timeoutMs, signal) {
    const outbox = await this.outbox();
    const deadline = performance.now() + timeoutMs;
    for (; ; ) {
      await outbox.refresh();
      const entry = outbox.get(envelopeId);
      if (entry === void 0 || isTerminalState(entry.state) || performance.now() >= deadline || signal?.aborted)
        return entry;
      await this.receive();
      await this.retryDue(signal);
      await sleep(Math.min(100, Math.max(0, deadline - performance.now())), signal);
    }
  }
  /** Polls every transport once, verifies what arrived, acks it, and returns what was accepted now. */
  async receive() {
    const { transports } = await this.loadTransports();
    const result = { messages: [], rejected: [], duplicates: 0, acks: 0 };
    for (const transport of transports) {
      let inbound;
      try {
        inbound = await transport.receive();
      } catch (error) {
        this.logger.warn("receive failed", { transport: transport.name, error: SkcommError.is(error) ? error.code : String(error) });
        continue;
      }
      for (const item of inbound)
        addOutcome(result, item, await this.processInbound(item));
    }
    await this.flushAcks();
    return result;
  }
  /**
   * One inbound envelope through the pipeline; an accepted or duplicate message is acked
   * to its sender (in the background: `flushAcks` waits for those acks).
   */
  async processInbound(inbound) {
    const pipeline = await this.receivePipeline();
    const outcome = await pipeline.process(inbound);
    if (outcome.status === "accepted" && outcome.message.type !== ACK_PAYLOAD_TYPE) {
      this.ackInBackground(outcome.message.from.fingerprint, outcome.message.envelopeId, outcome.message.documentSha256);
    } else if (outcome.status === "duplicate" && outcome.type !== ACK_PAYLOAD_TYPE && !this.ackedRecently(outcome.envelopeId)) {
      this.ackInBackground(outcome.senderFingerprint, outcome.envelopeId, outcome.documentSha256);
    }
    return outcome;
  }
  /** Waits for the acks sent so far (each succeeds or is logged). */
  async flushAcks() {
    while (this.pendingAcks.size > 0)
      await Promise.all([...this.pendingAcks]);
  }
  async unread() {
    return (await this.inbox.list({ unreadOnly: true })).map((entry) => entry.message);
  }
  async markRead(envelopeIds) {
    if (envelopeIds.length > 0)
      await this.inbox.markRead(envelopeIds);
  }
  /** The transports in use, started (the daemon subscribes to them). */
  async activeTransports() {
    return (await this.loadTransports()).transports;
  }
  async status() {
    const records = this.options.transports ? this.options.transports.map((transport) => ({ name: transport.name, package: "(injected)", priority: transport.priority, enabled: true })) : await this.transportConfigs.list();
    const routing = await this.transportHealth();
    return Promise.all(records.map(async (record) => {
      const base = { name: record.name, package: record.package, priority: record.priority, ...routing[record.name] ? { routing: routing[record.name] } : {} };
      try {
        const { transports, failures } = await this.loadTransports();
        const transport = transports.find((candidate) => candidate.name === record.name);
        if (!transport) {
          const detail = record.enabled ? `not loaded: ${describeError(failures.get(record.name))}` : "disabled";
          return { ...base, health: { status: "down", detail, checkedAt: /* @__PURE__ */ new Date() } };
        }
        return { ...base, priority: transport.priority, health: await transport.healthCheck() };
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return { ...base, health: { status: "down", detail, checkedAt: /* @__PURE__ */ new Date() } };
      }
    }));
  }
  /** Per-transport routing health as last persisted (by this process or a daemon on the same home). */
  async transportHealth() {
    try {
      const text = (await readRegularFile(this.layout.transportStateFile, 1024 * 1024)).toString("utf8");
      const parsed = JSON.parse(text);
      return { ...parsed.transports ?? {}, ...this.cooldown.snapshot() };
    } catch {
      return this.cooldown.snapshot();
    }
  }
  async close() {
    await Promise.all([...this.inFlight.values()].map((delivery) => delivery.catch(() => void 0)));
    await this.flushAcks();
    await this.saveTransportHealth(true);
    const loaded = await this.transports?.catch(() => void 0);
    await Promise.all((loaded?.transports ?? []).map((transport) => transport.stop().catch(() => {
    })));
    this.transports = void 0;
    const outbox = await this.outboxStore?.catch(() => void 0);
    await outbox?.close();
    this.outboxStore = void 0;
  }
  /** One routing round for a pending message, recorded in the outbox. Never two at once per message. */
  deliverOnce(envelopeId, signal) {
    const previous = this.inFlight.get(envelopeId) ?? Promise.resolve();
    const run = previous.catch(() => void 0).then(() => this.runRound(envelopeId, signal));
    const settled = run.then(() => void 0, () => void 0);
    this.inFlight.set(envelopeId, settled);
    void settled.then(() => {
      if (this.inFlight.get(envelopeId) === settled)
        this.inFlight.delete(envelopeId);
    });
    return run;
  }
  async runRound(envelopeId, signal) {
    const outbox = await this.outbox();
    const entry = outbox.get(envelopeId);
    if (entry === void 0)
      throw new StorageError(ErrorCode.NotFound, `no envelope ${envelopeId} in the outbox`);
    const idle = { envelope_id: envelopeId, state: "failed", attempts: [] };
    if (isTerminalState(entry.state))
      return idle;
    if (Date.now() > expiresAt(entry)) {
      await outbox.setState(envelopeId, "expired", { reason: `ttl of ${entry.ttlSeconds} s passed without an ack (last state ${entry.state})` });
      this.logger.warn("envelope expired", { envelope_id: envelopeId });
      return idle;
    }
    const [peer, { transports, failures }, bytes] = await Promise.all([
      this.peers.get(entry.peer),
      this.loadTransports(),
      outbox.readEnvelope(envelopeId)
    ]);
    if (peer === void 0 || peer.revoked || peer.fingerprint !== entry.recipientFingerprint) {
      const reason = peer === void 0 ? `peer ${entry.peer} was removed` : `peer ${entry.peer} was revoked or re-keyed`;
      await outbox.setState(envelopeId, "dead", { reason });
      return idle;
    }
    const envelope = parseEnvelope(bytes);
    const router = createRouter({ transports, logger: this.logger, cooldown: this.cooldown });
    const planned = planRoute({
      transports,
      priorityTransports: envelope.routing.priority_transports,
      fallbackTransports: envelope.routing.fallback_transports,
      mode: entry.mode,
      envelopeBytes: bytes.byteLength
    }).map((step) => step.name);
    const awaitingAck = entry.state === "handed-off" && entry.via !== void 0;
    const order = awaitingAck ? rotateAfter(planned, entry.via) : planned;
    const mode = awaitingAck && entry.mode === "broadcast" ? "failover" : entry.mode;
    const routed = await router.route(bytes, {
      envelopeId,
      recipientFingerprint: entry.recipientFingerprint,
      addresses: peer.addresses,
      priorityTransports: order,
      mode,
      ...signal ? { signal } : {}
    });
    const report = { ...routed, attempts: [...loadFailures(failures), ...routed.attempts] };
    const decision = decideRound(entry, report, {
      scheduleMs: this.config.retry_schedule_seconds.map((seconds) => seconds * 1e3),
      latencyMsOf: (name) => transports.find((transport) => transport.name === name)?.traits.expectedLatencyMs ?? 0,
      ...this.options.random ? { random: this.options.random } : {}
    });
    const attempts = report.attempts.map((attempt) => ({
      transport: attempt.transport,
      outcome: attempt.outcome,
      at: attempt.started_at,
      ...attempt.detail === void 0 ? {} : { detail: attempt.detail },
      ...attempt.error === void 0 ? {} : { error: attempt.error }
    }));
    const nextAttemptAt = new Date(Date.now() + (decision.kind === "dead" ? 0 : decision.delayMs));
    await outbox.recordRound(envelopeId, attempts, { retryCount: decision.retryCount, nextAttemptAt });
    if (decision.kind !== "dead")
      this.dueAt.set(envelopeId, { mono: performance.now() + decision.delayMs, wall: nextAttemptAt.toISOString() });
    if (decision.kind === "handed-off") {
      await outbox.setState(envelopeId, "handed-off", { via: decision.via, reason: `handed off via ${decision.via}${decision.detail ? ` at ${decision.detail}` : ""}` });
    } else if (decision.kind === "dead") {
      await outbox.setState(envelopeId, "dead", { reason: decision.reason });
      this.logger.warn("envelope dead", { envelope_id: envelopeId, reason: decision.reason });
    }
    await this.saveTransportHealth(false);
    return report;
  }
  async reportOf(envelopeId, report) {
    return buildSendReport(report, (await this.outbox()).get(envelopeId));
  }
  /** Verifies an ack against what was sent and records the delivery (DESIGN §3). */
  async applyAck(message) {
    const ack = parseAckBody(message.body);
    if (ack.recipient_fingerprint !== message.from.fingerprint) {
      throw new RejectionError(ErrorCode.HeaderMismatch, "ack is signed by someone other than the recipient it names", { field: "ack.recipient_fingerprint" });
    }
    if (ack.sender_fingerprint !== this.fingerprint) {
      throw new RejectionError(ErrorCode.RecipientMismatch, "ack names another sender", { field: "ack.sender_fingerprint" });
    }
    const outbox = await this.outbox();
    await outbox.refresh();
    const entry = outbox.get(ack.envelope_id);
    if (entry === void 0) {
      this.logger.info("ack for an envelope no longer in the outbox", { envelope_id: ack.envelope_id, from: message.from.fingerprint });
      return;
    }
    if (entry.recipientFingerprint !== message.from.fingerprint || entry.documentSha256 !== ack.document_sha256) {
      throw new RejectionError(ErrorCode.HeaderMismatch, `ack is not bound to envelope ${ack.envelope_id} as it was sent`, { field: "ack.document_sha256" });
    }
    await outbox.setState(ack.envelope_id, "delivered", { via: message.transport, reason: `acked via ${message.transport} at ${ack.created_at}` });
    this.dueAt.delete(ack.envelope_id);
    this.logger.info("envelope delivered", { envelope_id: ack.envelope_id, transport: message.transport });
  }
  /**
   * Copies of one envelope arriving together (broadcast, a duplicating channel) get one
   * ack, not one each; a copy arriving later (the sender's retry: its ack was lost) is
   * acked again.
   */
  ackedRecently(envelopeId) {
    const nowMono = performance.now();
    const last = this.recentAcks.get(envelopeId);
    return last !== void 0 && nowMono - last < ACK_COALESCE_MS;
  }
  ackInBackground(senderFingerprint, envelopeId, documentSha256) {
    const nowMono = performance.now();
    this.recentAcks.set(envelopeId, nowMono);
    if (this.recentAcks.size > RECENT_ACKS_LIMIT) {
      for (const [id, at] of this.recentAcks)
        if (nowMono - at >= ACK_COALESCE_MS)
          this.recentAcks.delete(id);
    }
    const sending = this.sendAck(senderFingerprint, envelopeId, documentSha256).catch((error) => {
      this.logger.warn("ack not sent", { envelope_id: envelopeId, to: senderFingerprint, error: describeError(error) });
    });
    this.pendingAcks.add(sending);
    void sending.finally(() => this.pendingAcks.delete(sending));
  }
  /** Acks go back over any transport we have for the sender; a lost ack is answered by the sender's retry. */
  async sendAck(senderFingerprint, envelopeId, documentSha256) {
    const [self, peer, { transports }] = await Promise.all([this.unlock(), this.peers.findByFingerprint(senderFingerprint), this.loadTransports()]);
    if (peer === void 0 || peer.record.revoked)
      return;
    const envelope = await sealEnvelope({
      type: ACK_PAYLOAD_TYPE,
      contentType: ACK_CONTENT_TYPE,
      body: buildAckBody({ envelope_id: envelopeId, document_sha256: documentSha256, sender_fingerprint: senderFingerprint, recipient_fingerprint: this.fingerprint }),
      ttlSeconds: ACK_TTL_SECONDS
    }, { sender: self, recipient: { ...peer.key, name: peer.record.name }, mode: this.config.default_mode });
    const report = await createRouter({ transports, logger: this.logger, cooldown: this.cooldown }).route(serializeEnvelope(envelope), {
      envelopeId: envelope.envelope_id,
      recipientFingerprint: senderFingerprint,
      addresses: peer.record.addresses,
      mode: "failover"
    });
    if (report.state !== "handed-off")
      throw new SkcommError(ErrorCode.AllTransportsFailed, describeFailures(report));
  }
  async saveTransportHealth(force) {
    const nowMono = performance.now();
    if (!force && nowMono - this.lastHealthSave < HEALTH_SAVE_INTERVAL_MS)
      return;
    if (!this.cooldown.takeChanged())
      return;
    this.lastHealthSave = nowMono;
    const document = { updated_at: (/* @__PURE__ */ new Date()).toISOString(), transports: this.cooldown.snapshot() };
    await mkdir(this.layout.stateDir, { recursive: true, mode: 448 }).then(() => writeFileAtomic(this.layout.transportStateFile, `${JSON.stringify(document, null, 2)}
`)).catch((error) => this.logger.warn("cannot save transport health", { error: describeError(error) }));
  }
  unlock() {
    this.identity ??= (async () => {
      if (!this.options.passphrase) {
        throw new ConfigError(ErrorCode.PassphraseRequired, "the private key is needed but no passphrase source was given");
      }
      return loadIdentity(this.home, await this.options.passphrase());
    })();
    this.identity.catch(() => this.identity = void 0);
    return this.identity;
  }
  /**
   * Imports and starts every enabled transport. One that fails to load or start is left
   * out (and reported by send and status) rather than taking the others down with it.
   */
  loadTransports() {
    this.transports ??= (async () => {
      const loaded = { transports: [], failures: /* @__PURE__ */ new Map() };
      const injected = this.options.transports;
      const records = injected ? [] : (await this.transportConfigs.list()).filter((record) => record.enabled);
      const candidates = injected ? injected.map((transport) => ({ name: transport.name, create: async () => transport })) : records.map((record) => ({ name: record.name, create: async () => loadTransport(record, await this.transportContext(record.name), this.loaderOptions()) }));
      await Promise.all(candidates.map(async (candidate) => {
        try {
          const transport = await candidate.create();
          await transport.start();
          loaded.transports.push(transport);
        } catch (error) {
          loaded.failures.set(candidate.name, error);
          this.logger.warn("transport unavailable", { transport: candidate.name, error: SkcommError.is(error) ? error.code : "E_INTERNAL" });
        }
      }));
      loaded.transports.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
      return loaded;
    })();
    this.transports.catch(() => this.transports = void 0);
    return this.transports;
  }
  receivePipeline() {
    this.pipeline ??= (async () => {
      const [self, { createReceivePipeline }] = await Promise.all([this.unlock(), import("./pipeline-VR5UWNNE.js")]);
      return createReceivePipeline({
        self,
        peers: this.peers,
        replay: await ReplayStore.open(this.layout.replayLogFile),
        quarantine: new Quarantine(this.layout.quarantineDir),
        inbox: this.inbox,
        maxEnvelopeBytes: this.config.max_envelope_bytes,
        logger: this.logger,
        onAck: (message) => this.applyAck(message),
        ...this.options.now ? { now: this.options.now } : {}
      });
    })();
    this.pipeline.catch(() => this.pipeline = void 0);
    return this.pipeline;
  }
  /** What a transport gets: who we are, a logger, a private state folder and a way to prove our identity to relays. */
  async transportContext(name) {
    const stateDir = join2(this.layout.transportsStateDir, name);
    try {
      await mkdir(stateDir, { recursive: true, mode: 448 });
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${stateDir}`);
    }
    return {
      selfFingerprint: this.fingerprint,
      stateDir,
      logger: this.logger,
      // A fresh CapAuth token per call (openpgp.js salts every signature, so no two are equal).
      authToken: async () => ({
        token: await createCapauthToken(await this.unlock(), Math.floor(Date.now() / 1e3)),
        armoredPublicKey: this.publicKey.armored
      })
    };
  }
  loaderOptions() {
    return { pluginDirs: [this.layout.pluginsDir], ...this.options.resolveFrom ? { resolveFrom: this.options.resolveFrom } : {} };
  }
};
var ACK_COALESCE_MS = 500;
var RECENT_ACKS_LIMIT = 1e4;
var ACK_TTL_SECONDS = 7 * 24 * 3600;
function addOutcome(result, item, outcome) {
  if (outcome.status === "accepted")
    result.messages.push(outcome.message);
  else if (outcome.status === "duplicate")
    result.duplicates++;
  else if (outcome.status === "ack")
    result.acks++;
  else
    result.rejected.push(toRejection(outcome.error, item.transport, item.source));
}
function buildSendReport(report, entry) {
  const state = entry?.state ?? (report.state === "handed-off" ? "handed-off" : "queued");
  return {
    ...report,
    state,
    ...entry?.reason === void 0 ? {} : { reason: entry.reason },
    ...entry === void 0 || isTerminalState(entry.state) ? {} : { next_attempt_at: entry.nextAttemptAt }
  };
}
function rotateAfter(names, name) {
  const index = names.indexOf(name);
  return index === -1 ? [...names] : [...names.slice(index + 1), ...names.slice(0, index + 1)];
}
function sleep(ms, signal) {
  return new Promise((resolve2) => {
    if (signal?.aborted)
      return resolve2();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve2();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
function loadFailures(failures) {
  return [...failures].map(([transport, error]) => ({
    transport,
    outcome: "skipped",
    started_at: (/* @__PURE__ */ new Date()).toISOString(),
    duration_ms: 0,
    detail: `could not load or start: ${describeError(error)}`
  }));
}
function toRejection(error, transport, source) {
  return {
    code: error.code,
    message: error.message,
    ...error.field === void 0 ? {} : { field: error.field },
    transport,
    ...source === void 0 ? {} : { source }
  };
}

// ../../packages/core/dist/agent/daemon.js
import { setMaxListeners } from "node:events";
async function runDaemon(agent, options) {
  const { signal, logger } = options;
  setMaxListeners(64, signal);
  const lock = await acquireHomeLock(agent.layout.daemonLockFile);
  const summary = { received: 0, retried: 0 };
  const unsubscribers = [];
  const work = /* @__PURE__ */ new Set();
  const track = (promise) => {
    work.add(promise);
    void promise.finally(() => work.delete(promise)).catch(() => void 0);
    return promise;
  };
  try {
    const outbox = await agent.outbox();
    if (options.compactOnStart !== false)
      await outbox.compact();
    const transports = await agent.activeTransports();
    const handle = (envelope) => track(agent.processInbound(envelope).then(() => void summary.received++, (error) => logger.error("inbound envelope not processed; the transport will redeliver it", { transport: envelope.transport, error: describeError(error) })));
    const polled = [];
    for (const transport of transports) {
      if (typeof transport.subscribe === "function") {
        unsubscribers.push(transport.subscribe((envelope) => signal.aborted ? void 0 : handle(envelope)));
      } else {
        polled.push(transport);
      }
    }
    logger.info("daemon started", { pid: process.pid, subscribed: transports.length - polled.length, polled: polled.map((transport) => transport.name) });
    options.onReady?.();
    await Promise.all([pollLoop(polled, handle, options), retryLoop(agent, summary, options)]);
  } finally {
    for (const unsubscribe of unsubscribers)
      unsubscribe();
    await Promise.allSettled([...work]);
    await agent.flushAcks();
    await lock.release();
    logger.info("daemon stopped", { pid: process.pid, received: summary.received, retried: summary.retried });
  }
  return summary;
}
async function pollLoop(transports, handle, options) {
  if (transports.length === 0)
    return;
  const interval = options.pollIntervalMs ?? 1e3;
  while (!options.signal.aborted) {
    for (const transport of transports) {
      try {
        for (const envelope of await transport.receive()) {
          if (options.signal.aborted)
            break;
          await handle(envelope);
        }
      } catch (error) {
        options.logger.warn("receive failed", { transport: transport.name, error: SkcommError.is(error) ? error.code : describeError(error) });
      }
    }
    await sleep2(interval, options.signal);
  }
}
async function retryLoop(agent, summary, options) {
  const tick = options.retryTickMs ?? 1e3;
  while (!options.signal.aborted) {
    try {
      summary.retried += await agent.retryDue(options.signal);
    } catch (error) {
      options.logger.error("outbox retry pass failed", { error: describeError(error) });
    }
    const untilDue = await agent.msUntilNextDue().catch(() => void 0);
    await sleep2(Math.max(10, Math.min(tick, untilDue ?? tick)), options.signal);
  }
}
function sleep2(ms, signal) {
  return new Promise((resolve2) => {
    if (signal.aborted)
      return resolve2();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve2();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export {
  decideRound,
  Agent,
  runDaemon
};
