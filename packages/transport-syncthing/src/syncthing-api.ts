/**
 * The few Syncthing REST calls the transport makes, with every failure turned into a
 * SyncthingTransportError: unreachable or failing API retryable, a rejected key not.
 */
import { ErrorCode, describeError } from '@skcomm/core';
import type { ApiKeySource } from './api-key.js';
import { SyncthingTransportError } from './errors.js';

export interface ApiOptions {
  transport: string;
  url: string;
  keys: ApiKeySource;
  timeoutMs: number;
}

/** GET /rest/system/connections, the parts used here. */
export interface Connections {
  connections: Record<string, { connected: boolean; paused: boolean; address?: string; at?: string }>;
}

/** GET /rest/config/folders/<id>, the parts used here. */
export interface FolderConfig {
  id: string;
  path: string;
  paused: boolean;
  devices: { deviceID: string }[];
}

/** GET /rest/db/status?folder=<id>, the parts used here. */
export interface FolderStatus {
  state: string;
  error?: string;
  pullErrors?: number;
  errors?: number;
  needFiles?: number;
}

export class SyncthingApi {
  constructor(private readonly options: ApiOptions) {}

  get<T>(path: string, query: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, query, signal);
  }

  post(path: string, query: Record<string, string> = {}, signal?: AbortSignal): Promise<unknown> {
    return this.request('POST', path, query, signal);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, query: Record<string, string>, signal?: AbortSignal): Promise<T> {
    const { transport, url, keys, timeoutMs } = this.options;
    const target = new URL(url + path);
    for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
    const where = `Syncthing REST API ${method} ${target.pathname}`;
    const key = await keys.key();
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: { 'X-API-Key': key },
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : describeError((error as { cause?: unknown }).cause ?? error);
      throw new SyncthingTransportError(`${where} at ${url} unreachable (${reason}): is Syncthing running?`, { transport, retryable: true, cause: error }, ErrorCode.TransportUnavailable);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403) {
      keys.forget();
      throw new SyncthingTransportError(`${where}: the API key was rejected (HTTP ${response.status})`, { transport, retryable: false }, ErrorCode.ConfigInvalid);
    }
    if (!response.ok) {
      // Syncthing answers 404 / 500 with a one-line plain-text reason (e.g. "no such folder").
      // A 4xx is a configuration problem (an unknown folder) that retrying will not fix.
      const reason = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new SyncthingTransportError(`${where}: HTTP ${response.status} ${reason}`.trim(), { transport, retryable }, retryable ? ErrorCode.TransportUnavailable : ErrorCode.Transport);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new SyncthingTransportError(`${where}: the answer is not JSON`, { transport, retryable: true, cause: error });
    }
  }
}
