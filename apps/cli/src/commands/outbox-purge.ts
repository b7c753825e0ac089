export { purge as default } from './outbox.js';
