/**
 * Transport packages compiled into the CLI bundle, keyed by package name for the loader
 * (AgentOpenOptions.bundledTransports). Loaded from node_modules, a transport brings its
 * own unbundled copy of @skcomm/core and valibot (the websocket one also ws's CommonJS
 * files, one by one); bundled, it shares the CLI's copy, so there is one TransportError
 * class, and a cold `skcomm send` starts faster.
 *
 * Each import() becomes a chunk of its own (build.mjs), loaded only when a configured
 * transport needs it. Only packages the CLI depends on belong here; build.mjs keeps every
 * other @skcomm/transport-* import external. A plugin in ~/.skcomm/plugins or an absolute
 * `package` path still takes precedence over these.
 */
export const bundledTransports: Readonly<Record<string, () => Promise<unknown>>> = {
  '@skcomm/transport-file': () => import('@skcomm/transport-file'),
  '@skcomm/transport-websocket': () => import('@skcomm/transport-websocket'),
};
