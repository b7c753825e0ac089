import { silentLogger, type TransportContext } from '@skcomm/core';

export const FINGERPRINT_A = 'A1'.repeat(20);
export const FINGERPRINT_B = 'B2'.repeat(20);

export function contextFor(selfFingerprint: string): TransportContext {
  return { selfFingerprint, logger: silentLogger };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A tiny envelope-shaped payload; the memory transport never looks inside. */
export function payload(label: string): Uint8Array {
  return encoder.encode(JSON.stringify({ envelope_id: label }));
}

export function labelOf(bytes: Uint8Array): string {
  return (JSON.parse(decoder.decode(bytes)) as { envelope_id: string }).envelope_id;
}
