import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactedKeys } from '../../common/logger';

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
  return { log, text: () => lines.join('') };
}

describe('the one logger', () => {
  it('redacts every listed key at the top and up to four levels down', () => {
    const { log, text } = capture();
    redactedKeys.forEach((key, i) => {
      const secret = `secret-${i}-value`;
      log.info({ [key]: secret }, 'top');
      log.info({ a: { [key]: `${secret}-1` } }, 'one');
      log.info({ a: { b: { c: { [key]: `${secret}-3` } } } }, 'three');
    });
    expect(text()).not.toMatch(/secret-\d+-value/);
  });

  it('keeps the ids and codes that make a log useful', () => {
    const { log, text } = capture();
    log.warn({ requestId: 'r-0001', vehicleId: 'car-1', code: 'ILLEGAL_EVENT', jobId: 'j-1', callId: 'c-1' }, 'x');
    for (const v of ['r-0001', 'car-1', 'ILLEGAL_EVENT', 'j-1', 'c-1']) expect(text()).toContain(v);
  });

  it('redacts personal fields and passwords from logs', () => {
    let out = '';
    const log = createLogger({ destination: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }) });
    log.info({ subject: { name: '磐城 髙子' }, password: 'p@ss', requestId: 'r1', input: { address: 'いわき市' }, headers: { 'x-csrf-token': 'tok' } }, 'x');
    expect(out).not.toContain('磐城');
    expect(out).not.toContain('p@ss');
    expect(out).not.toContain('いわき市');
    expect(out).not.toContain('tok"');
    expect(out).toContain('r1');
  });
});
