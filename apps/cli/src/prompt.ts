/** A hidden passphrase prompt on the terminal (no echo), with confirmation when creating. */
import { createInterface } from 'node:readline';

export async function promptHidden(question: string, confirm: boolean): Promise<string> {
  const first = await askOnce(question);
  if (confirm) {
    const second = await askOnce('Repeat passphrase: ');
    if (first !== second) throw Object.assign(new Error('passphrases do not match'), { code: 'E_PASSPHRASE_REQUIRED' });
  }
  return first;
}

function askOnce(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    const output = process.stderr;
    const readline = createInterface({ input, output, terminal: true });
    // Mute echo: readline writes typed characters through _writeToOutput.
    const muted = readline as unknown as { _writeToOutput: (text: string) => void };
    output.write(question);
    muted._writeToOutput = () => {};
    readline.question('', (answer) => {
      readline.close();
      output.write('\n');
      resolve(answer);
    });
    readline.on('SIGINT', () => {
      readline.close();
      reject(Object.assign(new Error('cancelled'), { code: 'E_PASSPHRASE_REQUIRED' }));
    });
  });
}
