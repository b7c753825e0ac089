/**
 * Two real file transports sharing a real folder. takeDown() moves the whole root away,
 * as when a USB stick is pulled or a share unmounted (chmod 000 would not stop root,
 * which CI runs as); bringUp() puts it back.
 */
import { rename } from 'node:fs/promises';
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { FINGERPRINT_A, FINGERPRINT_B, sandbox, transportFor } from './support.js';

function fileFixture(): ComplianceFixture {
  let cleanup: () => Promise<void> = async () => {};
  return {
    async setup() {
      const folder = await sandbox();
      cleanup = folder.cleanup;
      const init = { root: folder.root, pollIntervalMs: 50 };
      const away = `${folder.root}.unplugged`;
      return {
        a: transportFor(FINGERPRINT_A, init),
        b: transportFor(FINGERPRINT_B, init),
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        takeDown: () => rename(folder.root, away),
        bringUp: () => rename(away, folder.root),
      };
    },
    teardown: () => cleanup(),
  };
}

describeTransportCompliance('file', fileFixture);
