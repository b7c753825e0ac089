import { execFileSync } from 'node:child_process';
const variants = {
  node: 'process.exit(0)',
  deps: "await Promise.all([import('openpgp'), import('yaml'), import('valibot'), import('canonicalize')])",
  agent: "await import('./dist/agent/index.js')",
  cryptoStore: "await Promise.all([import('./dist/crypto/index.js'), import('./dist/store/index.js'), import('./dist/router/index.js')])",
};
const res = {};
for (let r = 0; r < 8; r++) for (const [k, code] of Object.entries(variants)) {
  const t = performance.now(); execFileSync(process.execPath, ['--input-type=module', '-e', code]); (res[k] ??= []).push(performance.now() - t);
}
for (const [k, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(k, v[Math.floor(v.length / 2)].toFixed(0)); }
