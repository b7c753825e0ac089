import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);
import "./chunk-N43RZNLB.js";

// dist/prompt.js
import { createInterface } from "node:readline";
async function promptHidden(question, confirm) {
  const first = await askOnce(question);
  if (confirm) {
    const second = await askOnce("Repeat passphrase: ");
    if (first !== second)
      throw Object.assign(new Error("passphrases do not match"), { code: "E_PASSPHRASE_REQUIRED" });
  }
  return first;
}
function askOnce(question) {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    const output = process.stderr;
    const readline = createInterface({ input, output, terminal: true });
    const muted = readline;
    output.write(question);
    muted._writeToOutput = () => {
    };
    readline.question("", (answer) => {
      readline.close();
      output.write("\n");
      resolve(answer);
    });
    readline.on("SIGINT", () => {
      readline.close();
      reject(Object.assign(new Error("cancelled"), { code: "E_PASSPHRASE_REQUIRED" }));
    });
  });
}
export {
  promptHidden
};
