import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { CallQueues } from '../../hub/server/call-queue';

function queues() {
  let n = 0;
  const clock = new ManualClock();
  return { q: new CallQueues(clock, () => `call-${++n}`), clock };
}

describe('consultation call queues', () => {
  it('serves two vehicles calling one department with one consultant in the order they called', () => {
    const { q } = queues();
    q.setAvailable('welfare-1', ['welfare_health']);
    const a = q.call('vehicle-a', 'welfare_health');
    const b = q.call('vehicle-b', 'welfare_health');
    expect([q.position(a.id), q.position(b.id)]).toEqual([1, 2]);
    expect(() => q.accept('welfare-1', b.id)).toThrow(/先に待っている方から/);
    expect(q.accept('welfare-1', a.id)).toMatchObject({ state: 'connected', consultantId: 'welfare-1' });
    expect(q.position(b.id)).toBe(1);
    expect(q.consultantsAvailable('welfare_health')).toBe(0);
    expect(() => q.accept('welfare-1', b.id)).toThrow(/ほかの相談に対応中/);
    q.end('vehicle-a', a.id);
    expect(q.accept('welfare-1', b.id).state).toBe('connected');
  });

  it('puts call-backs after an interrupted call at the front, in their own order, and interrupts waiting and connected calls', () => {
    const { q } = queues();
    const a = q.call('vehicle-a', 'pension');
    const b = q.call('vehicle-b', 'pension', { callBack: true });
    const c = q.call('vehicle-c', 'pension', { callBack: true });
    const d = q.call('vehicle-d', 'pension');
    expect(q.waiting('pension').map((x) => x.vehicleId)).toEqual(['vehicle-b', 'vehicle-c', 'vehicle-a', 'vehicle-d']);
    expect([q.position(b.id), q.position(c.id), q.position(a.id), q.position(d.id)]).toEqual([1, 2, 3, 4]);
    expect(q.interrupt(b.id)).toMatchObject({ state: 'interrupted', outcome: 'interrupted' });
    expect(q.interrupt(b.id)).toBeNull();
    expect(q.position(c.id)).toBe(1);
    q.setAvailable('p-1', ['pension']);
    q.accept('p-1', c.id);
    expect(q.interrupt(c.id)).toMatchObject({ state: 'interrupted', consultantId: 'p-1' });
    expect(q.openCallOf('consultant', 'p-1')).toBeNull();
    expect(q.openCallOf('vehicle', 'vehicle-a')).toMatchObject({ id: a.id });
  });

  it('keeps waiting calls when a consultant leaves mid-queue, and ends the call they were in', () => {
    const { q } = queues();
    q.setAvailable('pension-1', ['pension']);
    q.setAvailable('pension-2', ['pension']);
    const a = q.call('vehicle-a', 'pension');
    const b = q.call('vehicle-b', 'pension');
    q.accept('pension-1', a.id);
    const ended = q.leave('pension-1');
    expect(ended.map((c) => [c.id, c.state])).toEqual([[a.id, 'ended']]);
    expect(q.position(b.id)).toBe(1);
    expect(() => q.accept('pension-1', b.id)).toThrow(/対応可能/);
    expect(q.accept('pension-2', b.id).consultantId).toBe('pension-2');
  });

  it('drops an abandoned call from the queue and moves the next one up', () => {
    const { q } = queues();
    const a = q.call('vehicle-a', 'sign_language');
    const b = q.call('vehicle-b', 'sign_language');
    expect(() => q.abandon('vehicle-b', a.id)).toThrow(/この車両の相談ではありません/);
    expect(q.abandon('vehicle-a', a.id).state).toBe('abandoned');
    expect(q.position(a.id)).toBeNull();
    expect(q.position(b.id)).toBe(1);
    q.setAvailable('sl-1', ['sign_language']);
    expect(() => q.accept('sl-1', a.id)).toThrow(/もう受けられません/);
  });

  it('lets only the two parties of a connected call signal each other', () => {
    const { q } = queues();
    q.setAvailable('life-1', ['life_events']);
    const a = q.call('vehicle-a', 'life_events');
    expect(q.mayRelay(a.id, 'vehicle-a', 'life-1')).toBe(false); // still waiting
    q.accept('life-1', a.id);
    expect(q.mayRelay(a.id, 'vehicle-a', 'life-1')).toBe(true);
    expect(q.mayRelay(a.id, 'life-1', 'vehicle-a')).toBe(true);
    expect(q.mayRelay(a.id, 'vehicle-x', 'life-1')).toBe(false);
    expect(q.mayRelay(a.id, 'vehicle-a', 'vehicle-x')).toBe(false);
    expect(q.mayRelay('no-such-call', 'vehicle-a', 'life-1')).toBe(false);
    expect(() => q.end('vehicle-x', a.id)).toThrow(/当事者ではありません/);
  });

  it('refuses a second open call from the same vehicle', () => {
    const { q } = queues();
    q.call('vehicle-a', 'pension');
    expect(() => q.call('vehicle-a', 'welfare_health')).toThrow(/すでに相談中か、順番待ち/);
  });

  it('keeps a second copy in the same order when it takes the calls in another order, and never revives a finished call', () => {
    const { q: here, clock } = queues();
    const a = here.call('vehicle-a', 'pension');
    clock.advance(1_000);
    const b = here.call('vehicle-b', 'pension');
    clock.advance(1_000);
    const c = here.call('vehicle-c', 'pension', { callBack: true });
    let n = 100;
    const there = new CallQueues(clock, () => `other-${++n}`);
    // Another process hears of them in a different order (and of the call-back first or last).
    for (const call of [b, c, a]) expect(there.upsert(call)).toBe(true);
    expect(there.waiting('pension').map((x) => x.id)).toEqual(here.waiting('pension').map((x) => x.id));
    expect(here.waiting('pension').map((x) => x.id)).toEqual([c.id, a.id, b.id]);
    expect(there.upsert(a)).toBe(false);

    here.setAvailable('pension-1', ['pension']);
    const taken = here.accept('pension-1', c.id);
    expect(there.upsert(taken)).toBe(true);
    expect(there.openCallOf('consultant', 'pension-1')).toMatchObject({ id: c.id, state: 'connected' });
    const done = here.end('vehicle-c', c.id);
    expect(there.upsert(done)).toBe(true);
    expect(there.openCallOf('vehicle', 'vehicle-c')).toBeNull();
    // A late copy of the connected state must not bring the finished call back.
    expect(there.upsert(taken)).toBe(false);
    expect(there.get(c.id).state).toBe('ended');
    expect(there.position(a.id)).toBe(1);
  });
});
