import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import { InProcessBus, type HubEvent } from '../../hub/server/bus';

function capturedLogger() {
  const lines: string[] = [];
  const log = createLogger({ destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) });
  return { log, lines };
}

describe('the in-process hub event bus', () => {
  it('delivers events to every subscriber in the order they were published, as local events', async () => {
    const bus = new InProcessBus(capturedLogger().log);
    const seen: [string, HubEvent, boolean][] = [];
    bus.subscribe((e, m) => seen.push(['first', e, m.local]));
    bus.subscribe((e, m) => seen.push(['second', e, m.local]));
    const one: HubEvent = { type: 'inbox.appended', vehicleId: 'car-1', fromSeq: 1, toSeq: 2 };
    const two: HubEvent = { type: 'vehicle.revoked', vehicleId: 'car-1' };
    await bus.publish(one);
    await bus.publish(two);
    expect(seen).toEqual([['first', one, true], ['second', one, true], ['first', two, true], ['second', two, true]]);
  });

  it('keeps delivering to the others when one subscriber throws, and logs only the event type', async () => {
    const { log, lines } = capturedLogger();
    const bus = new InProcessBus(log);
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('socket gone');
    });
    bus.subscribe((e) => seen.push(e.type));
    await bus.publish({ type: 'console.notice', notice: { type: 'request.relayed', requestId: 'request-0001' } });
    expect(seen).toEqual(['console.notice']);
    expect(lines.join('')).toContain('hub event subscriber failed');
    expect(lines.join('')).not.toContain('request-0001');
  });

  it('refuses to publish an event that does not fit the schema, and stops delivering once closed', async () => {
    const bus = new InProcessBus(capturedLogger().log);
    const seen: string[] = [];
    const off = bus.subscribe((e) => seen.push(e.type));
    await expect(bus.publish({ type: 'inbox.appended', vehicleId: '../etc', fromSeq: 0, toSeq: 1 } as HubEvent)).rejects.toThrow();
    off();
    await bus.publish({ type: 'vehicle.revoked', vehicleId: 'car-2' });
    const after: string[] = [];
    bus.subscribe((e) => after.push(e.type));
    await bus.close();
    await bus.publish({ type: 'vehicle.revoked', vehicleId: 'car-3' });
    expect([seen, after]).toEqual([[], []]);
  });
});
