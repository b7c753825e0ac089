import { ErrorCode, SkcommError } from '@skcomm/core';

export type MeshNetwork = 'tailscale' | 'netbird';

/** A machine on the mesh that could be a peer: its name and mesh addresses (IPv4 first). */
export interface PeerCandidate {
  name: string;
  addresses: string[];
  /** The mesh's own view: connected or online now. */
  online: boolean;
  /** The mesh DNS name, without the trailing dot, when it has one. */
  dnsName?: string;
  /** The operating system the mesh reports, when it does. */
  os?: string;
}

/** The status output could not be read as the named tool's JSON. */
export class MeshStatusError extends SkcommError {
  readonly network: MeshNetwork;

  constructor(network: MeshNetwork, message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.ConfigInvalid, `${network} status: ${message}`, options);
    this.network = network;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the text as JSON, or throws a MeshStatusError. */
export function parseJson(network: MeshNetwork, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MeshStatusError(network, `not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

/** A printable name: control characters and bidi overrides removed, at most 253 characters. */
export function cleanName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  return cleaned === '' ? undefined : cleaned.slice(0, 253);
}
