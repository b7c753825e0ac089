import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);

// dist/input.js
import { readFile } from "node:fs/promises";
var MAX_INPUT_BYTES = 1024 * 1024;
async function readInput(pathOrDash) {
  if (pathOrDash !== "-")
    return readFile(pathOrDash, "utf8");
  const chunks = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES)
      throw Object.assign(new Error(`stdin is larger than ${MAX_INPUT_BYTES} bytes`), { code: "E_ENVELOPE_TOO_LARGE" });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export {
  readInput
};
