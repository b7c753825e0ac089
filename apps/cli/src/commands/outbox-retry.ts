export { retry as default } from './outbox.js';
