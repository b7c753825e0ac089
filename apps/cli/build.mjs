/**
 * Bundles the CLI into one ESM file, dist/bin.js, after tsc (which still writes the type
 * declarations). Loading one file instead of ~80 modules cuts `skcomm send`'s cold start.
 * Transport packages and the relay stay external: the transport loader resolves them at run
 * time from this file's location (`resolveFrom: import.meta.url`), and dist/ is where
 * tsc put bin.js too, so resolution is unchanged. The exceptions are the transports that
 * src/bundled-transports.ts imports: they are bundled, as chunks of their own, and share
 * the bundle's one copy of @skcomm/core (and valibot).
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist';

const BUNDLED_TRANSPORTS_MODULE = fileURLToPath(new URL('src/bundled-transports.ts', import.meta.url));

/** Every @skcomm/transport-* import stays external, except those in src/bundled-transports.ts. */
const transportsExternalUnlessBundled = {
  name: 'transports-external-unless-bundled',
  setup(build) {
    build.onResolve({ filter: /^@skcomm\/transport-/ }, (args) =>
      args.importer === BUNDLED_TRANSPORTS_MODULE ? undefined : { path: args.path, external: true },
    );
  },
};

// Chunk names carry content hashes: without this, every build would leave the old ones behind.
await rm(`${outdir}/chunks`, { recursive: true, force: true });

await build({
  entryPoints: ['src/bin.ts'],
  outdir,
  // Each command stays its own chunk, loaded when it runs (as with tsc's output).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@skcomm/relay', '@skcomm/relay/*'],
  plugins: [transportsExternalUnlessBundled],
  // Bundled CommonJS dependencies (yaml, canonicalize) call require() for Node built-ins.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
