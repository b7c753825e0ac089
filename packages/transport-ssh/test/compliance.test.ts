/**
 * Two real SSH transports and a real OpenSSH sshd (one per case, from the run's host
 * setup): a sends into b's folder on the "remote" host, b pulls from it, and each pulls
 * its own folder. takeDown() kills sshd and every session it holds (the host goes down);
 * bringUp() starts it again on the same port.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import { startSshd, type SshdProcess } from '../src/testing/index.js';
import { addressOn, FINGERPRINT_A, FINGERPRINT_B, remoteInbox, sharedServer, transportOn } from './support.js';

function sshFixture(): ComplianceFixture {
  let sshd: SshdProcess | undefined;
  return {
    async setup() {
      const { host } = sharedServer();
      sshd = await startSshd(host);
      const server = sshd;
      const folderOfA = await remoteInbox(host, FINGERPRINT_A);
      const folderOfB = await remoteInbox(host, FINGERPRINT_B);
      return {
        a: await transportOn(host, server.port, { pullFolder: folderOfA, pollIntervalMs: 50 }),
        b: await transportOn(host, server.port, { pullFolder: folderOfB, pollIntervalMs: 50 }),
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfA: addressOn(host, server.port, folderOfA),
        addressOfB: addressOn(host, server.port, folderOfB),
        takeDown: () => server.stop(),
        bringUp: () => server.start(),
      };
    },
    teardown: async () => {
      await sshd?.stop();
    },
  };
}

describeTransportCompliance('ssh', sshFixture);
