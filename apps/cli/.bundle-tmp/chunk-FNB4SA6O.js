import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);

// dist/context.js
function createContext(options) {
  let opened;
  const context = {
    json: options.json === true,
    out: process.stdout,
    err: process.stderr,
    homeOption: options.home,
    passphraseFile: options.passphraseFile,
    async agent() {
      opened ??= import("./agent-AAWHWJT4.js").then(({ Agent }) => Agent.open({
        ...options.home === void 0 ? {} : { home: options.home },
        passphrase: () => context.passphrase("unlock"),
        resolveFrom: import.meta.url
      }));
      return opened;
    },
    async passphrase(purpose) {
      const { resolvePassphrase } = await import("./store-NPI3JFJ7.js");
      return resolvePassphrase({
        ...options.passphraseFile === void 0 ? {} : { passphraseFile: options.passphraseFile },
        env: process.env,
        prompt: process.stdin.isTTY ? async () => (await import("./prompt-Z6FIANFR.js")).promptHidden(purpose === "create" ? "New passphrase: " : "Passphrase: ", purpose === "create") : void 0
      });
    },
    print(value, human) {
      if (context.json)
        context.out.write(`${JSON.stringify(value, null, 2)}
`);
      else {
        const text = typeof human === "function" ? human() : human;
        if (text.length > 0)
          context.out.write(text.endsWith("\n") ? text : `${text}
`);
      }
    },
    async close() {
      if (opened)
        await (await opened.catch(() => void 0))?.close();
    }
  };
  return context;
}

// dist/run.js
var UsageError = class extends Error {
};
async function runCommand(program, action) {
  const context = createContext(program.opts());
  try {
    await action(context);
  } catch (error) {
    process.exitCode = error instanceof UsageError ? 2 : 1;
    const { code, message } = describe(error);
    const reported = error?.reported === true;
    if (context.json && !reported)
      context.out.write(`${JSON.stringify({ ok: false, error: { code, message } })}
`);
    else
      context.err.write(`skcomm: ${message}${code === "E_INTERNAL" ? "" : ` (${code})`}
`);
    if (process.env.SKCOMM_DEBUG && error instanceof Error)
      context.err.write(`${error.stack}
`);
  } finally {
    await context.close();
  }
}
function describe(error) {
  if (error instanceof UsageError)
    return { code: "E_USAGE", message: error.message };
  if (typeof error === "object" && error !== null && typeof error.code === "string") {
    const { code, message } = error;
    if (code.startsWith("E_"))
      return { code, message: firstLine(message) };
  }
  return { code: "E_INTERNAL", message: firstLine(error instanceof Error ? error.message : String(error)) };
}
function firstLine(text) {
  return text.split("\n")[0] ?? text;
}

export {
  UsageError,
  runCommand
};
