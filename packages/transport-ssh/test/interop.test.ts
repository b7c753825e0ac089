/** The same folder layout as @skcomm/transport-file, both ways, on the same host. */
import { chown, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fileTransport from '@skcomm/transport-file';
import { ENVELOPE_SUFFIX, TEMP_DIRECTORY } from '../src/index.js';
import { makeRemoteDirectory } from '../src/testing/index.js';
import { addressOn, envelopeFor, FINGERPRINT_B, recordingLogger, sharedServer, transportOn } from './support.js';

describe('interoperability with @skcomm/transport-file', () => {
  it('uses the same names', () => {
    expect([ENVELOPE_SUFFIX, TEMP_DIRECTORY]).toEqual([fileTransport.ENVELOPE_SUFFIX, fileTransport.TEMP_DIRECTORY]);
  });

  it('a file transport on the host reads what ssh delivered, and ssh pulls what a file transport wrote', async () => {
    const { host, port } = sharedServer();
    // `<root>/<fingerprint>`, owned by the SSH user, as when both run under that account.
    const inbox = join(await makeRemoteDirectory(host), FINGERPRINT_B);
    await mkdir(inbox);
    await chown(inbox, host.uid, host.gid);
    const local = fileTransport.file({ root: dirname(inbox), watch: false })({ selfFingerprint: FINGERPRINT_B, logger: recordingLogger() });
    const remote = await transportOn(host, port, { pullFolder: inbox });
    await Promise.all([local.start(), remote.start()]);

    const viaSsh = envelopeFor();
    await remote.send(viaSsh.bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, inbox) });
    const [readLocally] = await local.receive();
    expect(Buffer.from(readLocally?.bytes ?? []).equals(Buffer.from(viaSsh.bytes))).toBe(true);
    await readLocally?.commit();

    const viaFile = envelopeFor();
    await local.send(viaFile.bytes, { fingerprint: FINGERPRINT_B });
    const [pulled, ...more] = await remote.receive();
    expect(more).toEqual([]);
    expect(Buffer.from(pulled?.bytes ?? []).equals(Buffer.from(viaFile.bytes))).toBe(true);
    await pulled?.commit();
    expect(await remote.receive()).toEqual([]);
    expect(await local.receive()).toEqual([]);
    await Promise.all([local.stop(), remote.stop()]);
  });
});
