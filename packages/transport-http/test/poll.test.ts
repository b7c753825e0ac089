/**
 * Poll mode: agent C's http transport serves a mailbox for B; A POSTs B's envelopes to
 * it; B, which takes no connections, polls with its token and acknowledges on commit.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEnvelope } from '@skcomm/core';
import type { ComplianceFixture } from '@skcomm/compliance-tests';
import { describeTransportCompliance } from '@skcomm/compliance-tests/vitest';
import type { HttpTransport } from '../src/index.js';
import {
  envelopeFor,
  eventually,
  FINGERPRINT_A,
  FINGERPRINT_B,
  FINGERPRINT_C,
  JSON_HEADERS,
  rawRequest,
  recordingLogger,
  sandbox,
  transportFor,
} from './support.js';

const TOKEN_OF_B = 'token-of-b-0123456789abcdef';

interface MailboxSetup {
  mailbox: HttpTransport;
  mailboxUrl: string;
  directory: string;
  cleanup(): Promise<void>;
}

/** C's transport with the mailbox API on, holding mail for B. */
async function mailboxServer(): Promise<MailboxSetup> {
  const folder = await sandbox();
  const tokens = join(folder.directory, 'mailbox-tokens');
  await writeFile(tokens, `# who may keep mail here\n${FINGERPRINT_B} ${TOKEN_OF_B}\n`, { mode: 0o600 });
  const mailbox = transportFor(FINGERPRINT_C, {
    listen: '127.0.0.1:0',
    spool: join(folder.directory, 'spool'),
    mailbox: true,
    mailboxTokens: tokens,
    rateLimit: 0,
  });
  await mailbox.start(); // on an ephemeral port, which its restarts keep
  return { mailbox, mailboxUrl: mailbox.endpoint as string, directory: folder.directory, cleanup: folder.cleanup };
}

function pollingB(mailboxUrl: string, logger = recordingLogger()): HttpTransport {
  return transportFor(FINGERPRINT_B, { poll: mailboxUrl, pollToken: TOKEN_OF_B, pollIntervalMs: 20 }, logger);
}

describe('the mailbox API and the poll client', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });

  async function setup() {
    const server = await mailboxServer();
    const b = pollingB(server.mailboxUrl);
    await b.start();
    cleanups.push(server.cleanup, () => server.mailbox.stop(), () => b.stop());
    return { ...server, b, a: transportFor(FINGERPRINT_A, {}) };
  }

  it('B receives what A posted to the mailbox; uncommitted it comes again, committed it is gone from the mailbox', async () => {
    const { a, b, mailbox, mailboxUrl } = await setup();
    const envelope = envelopeFor(FINGERPRINT_B);
    await a.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: mailboxUrl });
    expect(await mailbox.receive()).toEqual([]); // not for the mailbox's own agent
    const [first] = await b.receive();
    expect(first?.bytes).toEqual(envelope.bytes);
    expect(first?.source).toMatch(/^mailbox:/);
    const [again] = await b.receive();
    expect(again?.bytes).toEqual(envelope.bytes);
    await first?.commit();
    await first?.commit();
    expect(await b.receive()).toEqual([]);
  });

  it('the mailbox keeps uncommitted mail across its own restart', async () => {
    const { a, b, mailbox, mailboxUrl } = await setup();
    const envelope = envelopeFor(FINGERPRINT_B);
    await a.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: mailboxUrl });
    await mailbox.stop();
    expect(await b.receive()).toEqual([]); // mailbox down: nothing, and no throw
    expect((await b.healthCheck()).status).toBe('down');
    await mailbox.start();
    expect((await b.healthCheck()).status).toBe('up');
    const [received] = await b.receive();
    expect(received?.bytes).toEqual(envelope.bytes);
  });

  it('subscribe() pushes polled envelopes', async () => {
    const { a, b, mailboxUrl } = await setup();
    const pushed: InboundEnvelope[] = [];
    b.subscribe(async (envelope) => {
      pushed.push(envelope);
      await envelope.commit();
    });
    const envelopes = [envelopeFor(FINGERPRINT_B), envelopeFor(FINGERPRINT_B)];
    for (const envelope of envelopes) await a.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: mailboxUrl });
    await eventually(() => pushed.length >= 2, 'two pushes');
    expect(pushed.map((envelope) => envelope.bytes)).toEqual(envelopes.map((envelope) => envelope.bytes));
  });

  it('a wrong token, another fingerprint or no token all get the same 401; the poll client logs it and never leaks the token', async () => {
    const { mailboxUrl } = await setup();
    const logger = recordingLogger();
    const intruder = transportFor(FINGERPRINT_B, { poll: mailboxUrl, pollToken: 'not-the-token-of-b-at-all' }, logger);
    await intruder.start();
    cleanups.push(() => intruder.stop());
    expect(await intruder.receive()).toEqual([]);
    expect(logger.lines.some((line) => line.level === 'warn' && String(line.fields?.error).includes('401'))).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain('not-the-token-of-b-at-all');
    const cases: Array<{ url: string; headers: Record<string, string> }> = [
      { url: `${mailboxUrl}/mailbox/${FINGERPRINT_B}`, headers: {} },
      { url: `${mailboxUrl}/mailbox/${FINGERPRINT_B}`, headers: { authorization: 'Bearer wrong-token-wrong-token' } },
      { url: `${mailboxUrl}/mailbox/${FINGERPRINT_A}`, headers: { authorization: `Bearer ${TOKEN_OF_B}` } },
      { url: `${mailboxUrl}/mailbox/..%2F..%2Fetc`, headers: { authorization: `Bearer ${TOKEN_OF_B}` } },
    ];
    for (const { url, headers } of cases) {
      const answer = await rawRequest(url, { method: 'GET', headers });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('acknowledging checks the entry id, and an entry already gone is fine', async () => {
    const { mailboxUrl } = await setup();
    const authorization = { authorization: `Bearer ${TOKEN_OF_B}` };
    expect((await rawRequest(`${mailboxUrl}/mailbox/${FINGERPRINT_B}/..%2F..%2Fx`, { method: 'DELETE', headers: authorization })).status).toBe(400);
    expect((await rawRequest(`${mailboxUrl}/mailbox/${FINGERPRINT_B}/000000000000001-abcdefabcdef.skc.json`, { method: 'DELETE', headers: authorization })).status).toBe(204);
    expect((await rawRequest(`${mailboxUrl}/mailbox/${FINGERPRINT_B}?limit=0`, { method: 'GET', headers: authorization })).status).toBe(400);
    expect((await rawRequest(`${mailboxUrl}/mailbox/${FINGERPRINT_B}`, { method: 'POST', headers: { ...authorization, ...JSON_HEADERS } })).status).toBe(405);
  });

  it('an envelope for a fingerprint without a mailbox here is refused with a permanent 404', async () => {
    const { a, mailboxUrl } = await setup();
    const error = await a.send(envelopeFor(FINGERPRINT_A).bytes, { fingerprint: FINGERPRINT_A, address: mailboxUrl }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, status: 404 });
  });
});

/**
 * The whole compliance suite in poll mode: `a` POSTs to a mailbox served by a third
 * agent's transport; `b` takes no connections and only polls it. takeDown() stops the
 * mailbox server.
 */
function pollFixture(): ComplianceFixture {
  let server: MailboxSetup | undefined;
  return {
    async setup() {
      server = await mailboxServer();
      const { mailboxUrl, mailbox } = server;
      return {
        a: transportFor(FINGERPRINT_A, { probe: mailboxUrl }),
        b: pollingB(mailboxUrl),
        fingerprintOfA: FINGERPRINT_A,
        fingerprintOfB: FINGERPRINT_B,
        addressOfB: mailboxUrl,
        takeDown: () => mailbox.stop(),
        bringUp: () => mailbox.start(),
      };
    },
    async teardown() {
      await server?.mailbox.stop();
      await server?.cleanup();
    },
  };
}

describeTransportCompliance('http in poll mode (through another agent\'s mailbox)', pollFixture);
