import { afterEach, describe, expect, it } from 'vitest';
import { requireSyncthing } from '../src/testing/index.js';

describe('the test launcher', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('names the Debian package when syncthing is missing', async () => {
    process.env.PATH = '/nonexistent';
    await expect(requireSyncthing()).rejects.toThrow('apt-get install syncthing');
  });

  it('finds the installed syncthing', async () => {
    await expect(requireSyncthing()).resolves.toMatch(/^syncthing v\d+\.\d+/);
  });
});
