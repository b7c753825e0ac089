import { createRequire as __skcommCreateRequire } from 'node:module'; const require = __skcommCreateRequire(import.meta.url);

// ../../packages/core/dist/transport/contract.js
var TRANSPORT_SPECIFICATION_VERSION = "skcomm-transport/1";
var silentLogger = { debug() {
}, info() {
}, warn() {
}, error() {
} };

export {
  TRANSPORT_SPECIFICATION_VERSION,
  silentLogger
};
