/**
 * The vitest settings every package shares. When SKCOMM_TEST_RESULTS is set (by
 * `npm test`), each package also writes a JSON report there, which the root script sums
 * into the plain "N passed, N failed" line CI reads.
 */
import { basename } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function skcommTestConfig(packageDir: string, overrides: ViteUserConfig['test'] = {}) {
  const resultsDir = process.env.SKCOMM_TEST_RESULTS;
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: resultsDir ? ['default', ['json', { outputFile: `${resultsDir}/${basename(packageDir)}.json` }]] : ['default'],
      ...overrides,
    },
  });
}
