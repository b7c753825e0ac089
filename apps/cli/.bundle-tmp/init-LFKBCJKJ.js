import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import {
  initHome,
  resolveHome
} from "./chunk-RGUND62D.js";
import "./chunk-OVD7XGGP.js";
import "./chunk-GFALYBZX.js";
import "./chunk-N43RZNLB.js";

// dist/commands/init.js
async function init(context, options) {
  const home = context.homeOption ?? resolveHome(process.env);
  const passphrase = await context.passphrase("create");
  const created = await initHome(home, { name: options.name, ...options.email ? { email: options.email } : {}, passphrase });
  context.print({ ok: true, name: options.name, fingerprint: created.fingerprint, home }, `Created agent ${options.name}
  fingerprint ${created.fingerprint}
  home        ${home}
Share your public key with: skcomm keys export`);
}
export {
  init as default
};
