/**
 * The poll client (`poll=URL`): for agents that cannot keep a socket open or take
 * connections, fetch what a mailbox holds for us and acknowledge each envelope once it
 * is committed. Until then the mailbox keeps it and the next poll returns it again.
 */
import { ErrorCode } from '@skcomm/core';
import { endpointUrl } from './address.js';
import { fromRequestFailure, fromStatus, HttpTransportError } from './errors.js';
import type { HttpClient } from './http-client.js';
import { maxPageAnswerBytes, parseMailboxPage } from './mailbox-page.js';

export interface MailboxClientInit {
  transport: string;
  client: HttpClient;
  /** The mailbox's endpoint URL (the same URL senders POST to). */
  mailbox: URL;
  fingerprint: string;
  token: string;
  maxEnvelopeBytes: number;
  timeoutMs: number;
}

export interface PolledEnvelope {
  id: string;
  bytes: Uint8Array;
}

export class MailboxClient {
  private readonly listUrl: URL;

  constructor(private readonly init: MailboxClientInit) {
    this.listUrl = endpointUrl(init.mailbox, `/mailbox/${init.fingerprint}`);
  }

  /** What the mailbox holds for us, oldest first; `skipped` names entries that were not acceptable. */
  async fetch(limit: number): Promise<{ envelopes: PolledEnvelope[]; skipped: string[] }> {
    const url = new URL(this.listUrl.href);
    url.searchParams.set('limit', String(limit));
    const response = await this.call('GET', url, maxPageAnswerBytes(this.init.maxEnvelopeBytes));
    const page = parseMailboxPage(new TextDecoder().decode(response), this.init.maxEnvelopeBytes);
    if ('problem' in page) throw new HttpTransportError(`polling ${this.listUrl.href}: ${page.problem}`, { transport: this.init.transport, retryable: true });
    return { envelopes: page.entries, skipped: page.skipped };
  }

  /** Tells the mailbox to forget one envelope. Acknowledging one already gone is fine. */
  async acknowledge(id: string): Promise<void> {
    await this.call('DELETE', endpointUrl(this.listUrl, `/${id}`), 4096, [404]);
  }

  private async call(method: 'GET' | 'DELETE', url: URL, maxResponseBytes: number, alsoFine: number[] = []): Promise<Uint8Array> {
    const { transport, token, timeoutMs, client } = this.init;
    let response;
    try {
      response = await client.exchange({ method, url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeoutMs, maxResponseBytes });
    } catch (error) {
      throw fromRequestFailure(error, transport, `${method} ${url.href}`);
    }
    if ((response.status >= 200 && response.status < 300) || alsoFine.includes(response.status)) return response.body;
    if (response.status === 401) {
      throw new HttpTransportError(`${method} ${url.href} answered 401: the mailbox does not accept our pollToken`, { transport, retryable: false, status: 401 }, ErrorCode.Transport);
    }
    throw fromStatus(response.status, '', transport, `${method} ${url.href}`);
  }
}
