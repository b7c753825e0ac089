/**
 * Creating a home directory (DESIGN §6). Two agents on one machine are two homes.
 * Directories are 0700, files 0600, writes atomic.
 */
import { mkdir } from 'node:fs/promises';
import { generateIdentity } from '../crypto/index.js';
import { ErrorCode, StorageError } from '../errors.js';
import { parseConfig, writeConfig } from './config.js';
import { writeFileAtomic } from './fs-atomic.js';
import { type HomeLayout, homeLayout } from './layout.js';

export interface InitHomeOptions {
  name: string;
  email?: string;
  /** Protects the private key at rest. */
  passphrase: string;
}

export interface InitializedHome {
  layout: HomeLayout;
  fingerprint: string;
  armoredPublicKey: string;
}

/** Creates the directories and a new identity. Refuses (E_ALREADY_EXISTS) a home that has one. */
export async function initHome(home: string, options: InitHomeOptions): Promise<InitializedHome> {
  const layout = homeLayout(home);
  const identity = await generateIdentity(options);
  const config = parseConfig(
    { name: options.name, ...(options.email === undefined ? {} : { email: options.email }), fingerprint: identity.fingerprint },
    layout.configFile,
  );
  await createDirectories(layout);
  try {
    // Written first and exclusively: the private key is what claims the home.
    await writeFileAtomic(layout.privateKeyFile, identity.armoredPrivateKey, { mode: 0o600, exclusive: true });
  } catch (cause) {
    if (StorageError.hasCode(cause, ErrorCode.AlreadyExists)) {
      throw new StorageError(
        ErrorCode.AlreadyExists,
        `an identity already exists in ${layout.home}; use another SKCOMM_HOME for a second agent`,
        { cause },
      );
    }
    throw cause;
  }
  await writeFileAtomic(layout.publicKeyFile, identity.armoredPublicKey);
  await writeFileAtomic(layout.fingerprintFile, `${identity.fingerprint}\n`);
  await writeConfig(home, config);
  return { layout, fingerprint: identity.fingerprint, armoredPublicKey: identity.armoredPublicKey };
}

async function createDirectories(layout: HomeLayout): Promise<void> {
  const directories = [
    layout.home,
    layout.identityDir,
    layout.peersDir,
    layout.transportsDir,
    layout.outboxDir,
    layout.inboxDir,
    layout.quarantineDir,
    layout.stateDir,
    layout.logsDir,
    layout.pluginsDir,
  ];
  for (const directory of directories) {
    try {
      await mkdir(directory, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${directory}`);
    }
  }
}
