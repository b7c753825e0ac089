import { skcommTestConfig } from '../../tooling/vitest/shared.js';

// Two real Syncthing instances for the whole run, started once (about 1.5 s) and always stopped.
export default skcommTestConfig(import.meta.dirname, { globalSetup: ['test/global-setup.ts'] });
