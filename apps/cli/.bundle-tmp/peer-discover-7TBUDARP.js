import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  readInput
} from "./chunk-2L5P24RB.js";
import {
  UsageError
} from "./chunk-FNB4SA6O.js";
import {
  table
} from "./chunk-34WUPVIN.js";
import "./chunk-N43RZNLB.js";

// dist/commands/peer-discover.js
async function peerDiscover(context, options) {
  const port = Number(options.port);
  if (!/^\d{1,5}$/.test(options.port) || port < 1 || port > 65535)
    throw new UsageError(`--port must be 1..65535, got "${options.port}"`);
  const discovery = await import("@skcomm/transport-tcp").catch((error) => {
    throw Object.assign(new Error("peer discovery needs the tcp transport: pnpm add @skcomm/transport-tcp"), { code: "E_TRANSPORT_LOAD", cause: error });
  });
  const candidates = options.fromFile === void 0 ? await discovery.discoverMeshPeers(options.network) : discovery.parseMeshStatus(options.network, await readInput(options.fromFile));
  const withAddress = candidates.map((candidate) => ({
    ...candidate,
    tcpAddress: discovery.formatHostPort({ host: candidate.addresses[0], port })
  }));
  context.print({ ok: true, network: options.network, candidates: withAddress }, () => withAddress.length === 0 ? `No peers on ${options.network}.` : [
    table(["NAME", "ADDRESSES", "STATE", "ADD WITH"], withAddress.map((candidate) => [
      candidate.name,
      candidate.addresses.join(" "),
      candidate.online ? "online" : "offline",
      `--address tcp=${candidate.tcpAddress}`
    ])),
    "",
    `Add one with: skcomm peer add --name NAME --pubkey THEIR_KEY.asc --address tcp=ADDRESS:${port}`
  ].join("\n"));
}
export {
  peerDiscover as default
};
