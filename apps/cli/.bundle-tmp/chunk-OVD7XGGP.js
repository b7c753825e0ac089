import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);

// ../../packages/core/dist/message.js
var TRUST_LEVELS = ["untrusted", "verified", "trusted", "sovereign"];
function trustAtLeast(level, minimum) {
  return TRUST_LEVELS.indexOf(level) >= TRUST_LEVELS.indexOf(minimum);
}
function brandVerified(document, details) {
  return {
    envelopeId: document.envelope_id,
    from: document.from,
    to: document.to,
    type: document.type,
    contentType: document.content_type,
    urgency: document.urgency,
    threadId: document.thread_id,
    inReplyTo: document.in_reply_to,
    body: document.body,
    createdAt: new Date(document.created_at),
    ttlSeconds: document.ttl_seconds,
    ...details
  };
}

export {
  TRUST_LEVELS,
  trustAtLeast,
  brandVerified
};
