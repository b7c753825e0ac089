/**
 * Two real TCP transports on 127.0.0.1 (ephemeral ports, kept across restarts).
 *
 * TCP's health is its own listener: a realtime transport that cannot accept connections
 * is down, while a peer being unreachable is a per-send failure (health is not per peer).
 * So takeDown() takes the loopback "network" away from both ends: b stops listening, so
 * a's sends to it are refused (ECONNREFUSED, retryable), and a stops listening, so a's
 * health is down. bringUp() starts both again on the same ports.
 */
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import type { TcpTransportInit } from '../src/index.js';
import { FINGERPRINT_A, FINGERPRINT_B, tcpTransport } from './support.js';

function tcpFixture(init: Partial<TcpTransportInit>): () => ComplianceFixture {
  return () => ({
    async setup() {
      const a = tcpTransport(init, FINGERPRINT_A);
      const b = tcpTransport(init, FINGERPRINT_B);
      await Promise.all([a.start(), b.start()]);
      return {
        a,
        b,
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfA: a.address,
        addressOfB: b.address,
        takeDown: async () => {
          await b.stop();
          await a.stop();
        },
        bringUp: async () => {
          await b.start();
          await a.start();
        },
      };
    },
    teardown: async () => undefined,
  });
}

describeTransportCompliance('tcp (ndjson)', tcpFixture({ framing: 'ndjson' }));
describeTransportCompliance('tcp (length-prefixed)', tcpFixture({ framing: 'length' }));
describeTransportCompliance('tcp (udp for small envelopes)', tcpFixture({ udp: true }));
