/**
 * Schnorr signing and verification for the gift-wrap layers. nostr-tools' pure-JS
 * backend (noble) signs in about 3 ms here, because noble verifies each signature it
 * makes; its WASM backend (libsecp256k1 via nostr-wasm, shipped inside the package, no
 * download) signs in about 0.5 ms and verifies faster too. A gift wrap takes two
 * signatures to make and two verifications to open, so start() switches to WASM and
 * falls back to pure JS if WASM cannot be instantiated.
 */
import { initNostrWasm } from 'nostr-wasm';
import * as pure from 'nostr-tools/pure';
import * as wasm from 'nostr-tools/wasm';
import type { EventTemplate, NostrEvent, VerifiedEvent } from 'nostr-tools/pure';

type Backend = Pick<typeof pure, 'finalizeEvent' | 'verifyEvent'>;

let backend: Backend = pure;
let loading: Promise<'wasm' | 'pure'> | undefined;

/** Loads the WASM backend once per process; resolves to the backend in use. Never rejects. */
export function loadFastSignatures(): Promise<'wasm' | 'pure'> {
  loading ??= initNostrWasm().then(
    (instance) => {
      wasm.setNostrWasm(instance);
      backend = wasm;
      return 'wasm' as const;
    },
    () => 'pure' as const,
  );
  return loading;
}

/** For tests: run the same checks on either backend. */
export async function useSignatureBackend(name: 'wasm' | 'pure'): Promise<void> {
  if (name === 'wasm' && (await loadFastSignatures()) === 'wasm') backend = wasm;
  else backend = pure;
}

export function finalizeEvent(template: EventTemplate, secretKey: Uint8Array): VerifiedEvent {
  return backend.finalizeEvent(template, secretKey);
}

/** True when the event's id is the hash of its content and its signature is valid. */
export function verifyEvent(event: NostrEvent): boolean {
  return backend.verifyEvent(event);
}
