import { AbstractRelay } from 'nostr-tools/abstract-relay';
import { WebSocket } from 'ws';

/**
 * nostr-tools' relay client, with two changes for hostile input:
 * - every relay message is parsed once up front, and anything its dispatcher would trip
 *   over (non-JSON, binary frames, an EVENT that is not an object with array tags, an
 *   EVENT for an unknown subscription) goes to `onMalformed` instead of console.warn;
 * - event checks (signature, kind, recipient) are left to the transport's unwrapping,
 *   which reports each failure as a typed rejection, so nothing is verified twice.
 *
 * The WebSocket implementation is the `ws` package, passed per relay instead of through
 * the global `useWebSocketImplementation()` (Node 20 has no global WebSocket, and a
 * library should not change process-wide state).
 */
export class GuardedRelay extends AbstractRelay {
  constructor(
    url: string,
    private readonly onMalformed: (problem: string) => void,
  ) {
    super(url, { verifyEvent: () => true, websocketImplementation: QuietWebSocket as unknown as typeof globalThis.WebSocket });
  }

  override _onmessage(message: MessageEvent): void {
    const problem = this.problemWith(message.data);
    if (problem === undefined) super._onmessage(message);
    else this.onMalformed(problem);
  }

  private problemWith(data: unknown): string | undefined {
    if (typeof data !== 'string') return 'a binary frame';
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return 'a message that is not JSON';
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'string') return 'a message that is not a JSON array starting with a string';
    if (parsed[0] !== 'EVENT') return undefined;
    if (typeof parsed[1] !== 'string' || !this.openSubs.has(parsed[1])) return 'an EVENT for a subscription we do not have';
    const event: unknown = parsed[2];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'an EVENT whose event is not an object';
    const tags = (event as { tags?: unknown }).tags;
    if (!Array.isArray(tags) || !tags.every((tag) => Array.isArray(tag))) return 'an EVENT whose tags are not arrays';
    return undefined;
  }
}

/**
 * `ws` with an 'error' listener always attached. nostr-tools detaches its handlers and
 * then closes a socket that is still connecting (on a timeout or close()); `ws` then
 * emits 'error' ("closed before the connection was established") with no listener, which
 * Node turns into an uncaught exception. The failure itself is already handled.
 */
class QuietWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => undefined);
  }
}
