/**
 * The config helpers every transport parses its options with: strings from `--set KEY=VALUE`
 * become numbers and booleans, and every failure is a ConfigError naming the key.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { booleanOption, ConfigError, ErrorCode, numberOption, parseTransportConfig } from '../../src/index.js';

const schema = v.strictObject({
  port: v.optional(numberOption(1, 65_535)),
  ratio: v.optional(numberOption(0, 1, false)),
  enabled: v.optional(booleanOption()),
});

function configError(raw: unknown, renamedKeys?: Record<string, string>): ConfigError {
  try {
    parseTransportConfig('demo', schema, raw, renamedKeys);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ErrorCode.ConfigInvalid);
    return error as ConfigError;
  }
  return expect.unreachable('parseTransportConfig accepted bad config');
}

describe('numberOption', () => {
  it('takes numbers and numeric strings, with surrounding spaces', () => {
    expect(parseTransportConfig('demo', schema, { port: 8080 })).toEqual({ port: 8080 });
    expect(parseTransportConfig('demo', schema, { port: ' 8080 ' })).toEqual({ port: 8080 });
    expect(parseTransportConfig('demo', schema, { ratio: '0.25' })).toEqual({ ratio: 0.25 });
  });

  it('names the key and the rule that failed', () => {
    expect(configError({ port: 'many' }).message).toBe('transport "demo": port must be a number');
    expect(configError({ port: 1.5 }).message).toBe('transport "demo": port must be a whole number');
    expect(configError({ port: 0 }).message).toBe('transport "demo": port must be at least 1');
    expect(configError({ port: '70000' }).message).toBe('transport "demo": port must be at most 65535');
    expect(configError({ port: '0x10' }).field).toBe('port');
  });

  it('accepts every whole number in range, as a number or as its decimal string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), fc.boolean(), (port, asString) => {
        expect(parseTransportConfig('demo', schema, { port: asString ? String(port) : port })).toEqual({ port });
      }),
    );
  });

  it('rejects every number out of range with a ConfigError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65_536 })), (port) => {
        expect(configError({ port: String(port) }).field).toBe('port');
      }),
    );
  });

  it('turns any value into either a valid port or a ConfigError on port', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string()), (value) => {
        let port: number | undefined;
        try {
          port = parseTransportConfig('demo', schema, { port: value }).port;
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).field).toBe('port');
          return;
        }
        if (value === undefined) return;
        expect(Number.isInteger(port)).toBe(true);
        expect(port).toBeGreaterThanOrEqual(1);
        expect(port).toBeLessThanOrEqual(65_535);
      }),
    );
  });
});

describe('booleanOption', () => {
  it.each([
    ['true', true],
    [' Yes ', true],
    ['ON', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['Off', false],
    ['0', false],
    [true, true],
    [false, false],
  ])('reads %j as %s', (value, expected) => {
    expect(parseTransportConfig('demo', schema, { enabled: value })).toEqual({ enabled: expected });
  });

  it('rejects other words and numbers', () => {
    expect(configError({ enabled: 'maybe' }).message).toBe('transport "demo": enabled must be true or false');
    expect(configError({ enabled: 1 }).field).toBe('enabled');
  });
});

describe('parseTransportConfig', () => {
  it('names an unknown key', () => {
    const error = configError({ prot: 80 });
    expect(error.message).toBe('transport "demo": prot is not an option of this transport');
    expect(error.field).toBe('prot');
  });

  it('says when a required key is missing', () => {
    const required = v.strictObject({ folder: v.string() });
    expect(() => parseTransportConfig('demo', required, {})).toThrow('transport "demo": folder is required');
  });

  it('names the options as a whole when they are not an object', () => {
    expect(configError('port=80').field).toBe('(options)');
  });

  it('tells a stale config which key replaced a renamed one', () => {
    const error = configError({ number: 22 }, { number: 'port' });
    expect(error.message).toBe('transport "demo": number was renamed: use port instead');
    expect(error.field).toBe('number');
  });

  it('ignores renamed keys the config does not use', () => {
    expect(parseTransportConfig('demo', schema, { port: 22 }, { number: 'port' })).toEqual({ port: 22 });
  });
});
