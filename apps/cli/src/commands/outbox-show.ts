export { show as default } from './outbox.js';
