import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  UsageError
} from "./chunk-FNB4SA6O.js";
import "./chunk-N43RZNLB.js";

// dist/commands/serve.js
import { join } from "node:path";
async function serve(context, options) {
  const port = Number(options.port ?? "8765");
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${options.port} is not a port number`);
  const [{ startRelay, readAllowList, devAuthFromEnvironment }, { resolveHome }] = await Promise.all([
    import("@skcomm/relay"),
    import("./store-NPI3JFJ7.js")
  ]);
  const dataDir = options.data ?? join(context.homeOption ?? resolveHome(process.env), "relay");
  const logger = stderrLogger(context);
  const stopped = new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  const relay = await startRelay({
    port,
    dataDir,
    logger,
    devAuth: devAuthFromEnvironment(process.env),
    ...options.host === void 0 ? {} : { host: options.host },
    ...options.allow === void 0 ? {} : { allow: await readAllowList(options.allow) }
  });
  context.print({ ok: true, url: relay.url, data: dataDir }, `relay listening on ${relay.url} (mailbox in ${dataDir}); Ctrl-C stops it`);
  await stopped;
  await relay.close();
}
function stderrLogger(context) {
  const write = (level) => (message, fields) => {
    const line = context.json ? JSON.stringify({ time: (/* @__PURE__ */ new Date()).toISOString(), level, message, ...fields }) : `${(/* @__PURE__ */ new Date()).toISOString()} ${level} ${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ""}`;
    context.err.write(`${line}
`);
  };
  return { debug: () => {
  }, info: write("info"), warn: write("warn"), error: write("error") };
}
export {
  serve as default
};
