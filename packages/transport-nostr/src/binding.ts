/**
 * Binding a Nostr key to an agent's OpenPGP identity. The binding that matters is the
 * peer record: `skcomm peer add --address nostr=<npub>` stores the Nostr key next to the
 * PGP key the user pinned, and every envelope inside a gift wrap is still signed with
 * that PGP key and checked by the receive pipeline, so a wrong or swapped Nostr key can
 * only lose messages, never forge them.
 *
 * For handing the address over (a QR code, a relay profile, a file), an agent can also
 * sign this statement with its PGP key (a detached signature, as for any document); a
 * receiver who verifies it against the pinned key knows the npub came from that agent.
 */
export function nostrBindingStatement(fingerprint: string, nostrPublicKey: string): string {
  return `skcomm/nostr-key-binding/v1\nfingerprint:${fingerprint}\nnostr:${nostrPublicKey.toLowerCase()}\n`;
}
