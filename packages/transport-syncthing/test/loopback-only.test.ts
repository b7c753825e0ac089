import { describe, expect, it } from 'vitest';
import { offLoopback } from './loopback-only.js';

describe('the off-loopback socket check', () => {
  it('passes loopback listeners and loopback connections', () => {
    expect(
      offLoopback([
        { protocol: 'tcp', local: '127.0.0.1:22001', remote: '0.0.0.0:0' },
        { protocol: 'tcp', local: '127.0.0.1:22001', remote: '127.0.0.1:41000' },
        { protocol: 'tcp6', local: '[0000:0000:0000:0000:0000:0000:0000:0001]:8384', remote: '[0000:0000:0000:0000:0000:0000:0000:0000]:0' },
      ]),
    ).toEqual([]);
  });

  it('flags the local-discovery broadcast socket, wildcard listeners and off-box peers', () => {
    const bad = [
      { protocol: 'udp', local: '0.0.0.0:21027', remote: '0.0.0.0:0' },
      { protocol: 'tcp6', local: '[0000:0000:0000:0000:0000:0000:0000:0000]:22000', remote: '[0000:0000:0000:0000:0000:0000:0000:0000]:0' },
      { protocol: 'tcp', local: '127.0.0.1:50000', remote: '194.126.249.5:443' },
    ];
    expect(offLoopback(bad)).toEqual(bad);
  });
});
