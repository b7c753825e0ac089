import { skcommTestConfig } from '../../tooling/vitest/shared.js';

// One real OpenSSH sshd for the run (test user, keys, config), always stopped at the end.
export default skcommTestConfig(import.meta.dirname, { globalSetup: ['test/global-setup.ts'] });
