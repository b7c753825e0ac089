import { skcommTestConfig } from '../../tooling/vitest/shared.js';

export default skcommTestConfig(import.meta.dirname);
