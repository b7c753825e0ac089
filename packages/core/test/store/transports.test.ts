import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { defaultTransportPackage, TransportConfigStore } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

describe('TransportConfigStore', () => {
  test('add with defaults, get, list by priority, remove', async () => {
    const transports = new TransportConfigStore(await tempDir());
    expect(defaultTransportPackage('file')).toBe('@skcomm/transport-file');
    const file = await transports.add({ name: 'file', options: { dir: '/shared/skcomm', poll_ms: 500, watch: true } });
    // No priority stored: the transport package's own default applies when it is loaded.
    expect(file).toEqual({ name: 'file', package: '@skcomm/transport-file', enabled: true, options: { dir: '/shared/skcomm', poll_ms: 500, watch: true } });
    const relay = await transports.add({ name: 'relay-eu', package: '@skcomm/transport-websocket', priority: 10, enabled: false });
    const usb = await transports.add({ name: 'usb', package: '@skcomm/transport-file', priority: 100 });
    expect(usb.priority).toBe(100);
    expect(await transports.get('file')).toEqual(file);
    expect(await transports.list()).toEqual([relay, usb, file]);
    await transports.remove('relay-eu');
    expect(await transports.get('relay-eu')).toBeUndefined();
    await expect(transports.remove('relay-eu')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  test('refuses a duplicate and invalid names or options', async () => {
    const transports = new TransportConfigStore(await tempDir());
    await transports.add({ name: 'tcp' });
    await expect(transports.add({ name: 'tcp' })).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
    await expect(transports.add({ name: '../x' })).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
    await expect(transports.add({ name: 'ok', options: { 'bad key': 1 } })).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid });
    await expect(transports.add({ name: 'ok', priority: -1 })).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'priority' });
  });

  test('reads a hand-written file without priority, and keeps the priority a file states', async () => {
    const directory = await tempDir();
    await writeFile(join(directory, 'tcp.yml'), 'name: tcp\npackage: "@skcomm/transport-tcp"\nenabled: true\noptions: {}\n');
    await writeFile(join(directory, 'usb.yml'), 'name: usb\npackage: "@skcomm/transport-file"\npriority: 100\nenabled: true\noptions: {}\n');
    const records = await new TransportConfigStore(directory).list();
    expect(records.map((record) => [record.name, record.priority])).toEqual([
      ['usb', 100],
      ['tcp', undefined],
    ]);
    expect(records[1]).not.toHaveProperty('priority');
  });

  test('a hand-edited file with a bad key is an error naming it', async () => {
    const directory = await tempDir();
    await writeFile(join(directory, 'tcp.yml'), 'name: tcp\npackage: x\npriority: 1\nenabled: yes-please\noptions: {}\n');
    await expect(new TransportConfigStore(directory).list()).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'enabled' });
  });
});
