export { list as default } from './outbox.js';
