import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandNames } from '../../core/contract';
import { eventNames } from '../../core/contract';
import { checkEvents, collectHandlers, commandOwners } from '../../core/feature';
import { createStudio } from '../../core/studio';

describe('feature modules', () => {
  it('every contract command is answered by exactly one registered feature', () => {
    const studio = createStudio({ log_level: 'silent', data_dir: mkdtempSync(path.join(os.tmpdir(), 'onair-feat-')) }, { logToStdout: false });
    const owners = commandOwners(studio.features);
    expect(Object.keys(owners).sort()).toEqual([...commandNames].sort());
    expect(owners['recordings.start']).toBe('recordings');
    expect(owners['jobs.transcode']).toBe('jobs');
    expect(owners['streams.kick']).toBe('streams');
    expect(owners['server.config.set']).toBe('server');
    // every contract event is declared by the feature that emits it
    expect(studio.features.flatMap((f) => f.events ?? []).sort()).toEqual([...eventNames].sort());
    expect(() => checkEvents([{ name: 'x', events: ['log'] }], eventNames)).toThrow(/no feature emits/);
    expect(() => checkEvents([{ name: 'x', events: ['log'] }, { name: 'y', events: ['log'] }], ['log'])).toThrow(/both x and y/);
  });

  it('a command answered twice, or by nobody, or unknown to the contract stops the studio from being built', () => {
    const h = { 'logs.tail': () => [] };
    expect(() => collectHandlers([{ name: 'a', handlers: h }, { name: 'b', handlers: h }], ['logs.tail'])).toThrow(/both a and b/);
    expect(() => collectHandlers([{ name: 'a', handlers: h }], ['logs.tail', 'streams.list'])).toThrow(/no feature answers streams.list/);
    expect(() => collectHandlers([{ name: 'a', handlers: h }], [])).toThrow(/does not declare/);
  });
});
