import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '@skcomm/core';
import plugin, { webrtc } from '../src/index.js';
import { parseWebrtcOptions } from '../src/config.js';
import { peerConnectionConfig } from '../src/ice-config.js';

describe('config', () => {
  it('defaults to loopback, no ICE servers and werift-safe flow control', () => {
    const options = parseWebrtcOptions({ signal: 'ws://127.0.0.1:8765' });
    expect(options).toMatchObject({ bindAddress: '127.0.0.1', iceServers: [], chunkBytes: 16_384, maxInflightEnvelopes: 16, maxBufferedBytes: 65_536 });
    expect(options).toMatchObject({ maxAttachmentBytes: 16 * 1024 ** 3, fileLanes: 1, fileMessageBytes: 65_523, fileBufferedBytes: 65_536, fileWindowBytes: 32 * 1024 ** 2 });
    const ice = peerConnectionConfig(options);
    expect(ice).toMatchObject({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } });
  });

  it('takes strings from --set, ICE servers as a comma list, TURN credentials for turn: URLs only', () => {
    const options = plugin.parseOptions({
      signal: 'wss://relay.example:8765',
      iceServers: 'stun:10.0.0.1:3478, turn:10.0.0.1:3478?transport=udp',
      turnUsername: 'agent',
      turnCredential: 'secret',
      maxInflightEnvelopes: '32',
      bindAddress: '192.168.1.20',
    });
    expect(options.iceServers).toEqual(['stun:10.0.0.1:3478', 'turn:10.0.0.1:3478?transport=udp']);
    expect(options.maxInflightEnvelopes).toBe(32);
    expect(peerConnectionConfig(options).iceServers).toEqual([
      { urls: 'stun:10.0.0.1:3478' },
      { urls: 'turn:10.0.0.1:3478?transport=udp', username: 'agent', credential: 'secret' },
    ]);
  });

  it.each([
    [{}, 'signal'],
    [{ signal: 'http://127.0.0.1:8765' }, 'signal'],
    [{ signal: 'ws://user:pw@127.0.0.1:8765' }, 'signal'],
    [{ signal: 'ws://127.0.0.1:8765', iceServers: 'https://stun.example' }, 'iceServers'],
    [{ signal: 'ws://127.0.0.1:8765', bindAddress: 'localhost' }, 'bindAddress'],
    [{ signal: 'ws://127.0.0.1:8765', chunkBytes: 70_000 }, 'chunkBytes'],
    [{ signal: 'ws://127.0.0.1:8765', maxEnvelopeBytes: 2 ** 21 }, 'maxEnvelopeBytes'],
    [{ signal: 'ws://127.0.0.1:8765', stun: 'x' }, 'stun'],
    [{ signal: 'ws://127.0.0.1:8765', fileLanes: 9 }, 'fileLanes'],
    [{ signal: 'ws://127.0.0.1:8765', fileMessageBytes: 65_524 }, 'fileMessageBytes'],
    [{ signal: 'ws://127.0.0.1:8765', fileWindowBytes: 1_000_000 }, 'fileWindowBytes'],
  ])('refuses %j with a ConfigError naming %s', (raw, field) => {
    try {
      webrtc(raw as never);
      expect.unreachable('no ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid, field });
    }
  });
});
