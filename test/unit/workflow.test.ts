import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestStep } from '../../protocol/domain';
import { TransitionError } from '../../electron/core/errors';
import { initialState, terminalSteps, transition, type WorkflowEvent, type WorkflowState } from '../../electron/core/workflow';

const ev = {
  id: { type: 'IDENTITY_CHECKED' },
  confirm: { type: 'RESIDENT_CONFIRMED' },
  ack: { type: 'RELAY_ACKED' },
  approve: { type: 'APPROVED' },
  reject: { type: 'REJECTED', reason: '該当者なし' },
  print: { type: 'PRINTED' },
  ok: { type: 'CHECK_OK' },
  spoil: { type: 'CHECK_SPOILED', reason: 'かすれ' },
  reprint: { type: 'REPRINT_APPROVED' },
  pay: { type: 'PAID' },
  hand: { type: 'HANDED_OVER' },
  cancel: { type: 'CANCELLED', reason: 'お客様の都合' },
} satisfies Record<string, WorkflowEvent>;
const allEvents: WorkflowEvent[] = Object.values(ev);

function run(events: WorkflowEvent[], fee = 300): { state: WorkflowState; effects: string[] } {
  let state = initialState(fee);
  const effects: string[] = [];
  for (const e of events) {
    const t = transition(state, e);
    state = t.state;
    effects.push(...t.effects.map((x) => (x.type === 'notifyHub' ? `notifyHub:${x.event}` : x.type)));
  }
  return { state, effects };
}

const state = (step: RequestStep, patch: Partial<WorkflowState> = {}): WorkflowState => ({ step, feeYen: 300, residentConfirmed: false, paid: false, ...patch });

describe('the seven-step workflow', () => {
  it('walks a request from entry to handover, relaying once and telling the hub each later step', () => {
    const { state: s, effects } = run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.ok, ev.pay, ev.hand]);
    expect(s.step).toBe('handed_over');
    expect(effects).toEqual(['relayRequest', 'notifyHub:PRINTED', 'notifyHub:CHECK_OK', 'notifyHub:PAID', 'notifyHub:HANDED_OVER']);
  });

  it('queues the request when the resident confirms before the identity check, as well as after', () => {
    expect(run([ev.confirm]).state).toMatchObject({ step: 'entered', residentConfirmed: true });
    expect(run([ev.confirm, ev.id])).toMatchObject({ state: { step: 'queued' }, effects: ['relayRequest'] });
    expect(run([ev.id, ev.confirm])).toMatchObject({ state: { step: 'queued' }, effects: ['relayRequest'] });
  });

  it('lets staff record the identity check again before sending (a correction)', () => {
    expect(run([ev.id, ev.id]).state.step).toBe('identity_checked');
  });

  it('refuses a second confirmation by the resident', () => {
    expect(() => run([ev.confirm, ev.confirm])).toThrow('お客様の確認はもう済んでいます。');
  });

  it('accepts the hub decision even when it arrives before the relay acknowledgement', () => {
    expect(run([ev.id, ev.confirm, ev.approve]).state.step).toBe('approved');
    expect(run([ev.id, ev.confirm, ev.reject]).state.step).toBe('rejected');
    expect(run([ev.id, ev.confirm, ev.ack, ev.reject]).state.step).toBe('rejected');
  });

  it('sends a spoiled sheet back to printing only after a reprint approval', () => {
    const spoiled = run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.spoil]);
    expect(spoiled.state.step).toBe('spoiled');
    expect(spoiled.effects).toContain('recordSpoiledSheet');
    expect(() => transition(spoiled.state, ev.print)).toThrow(TransitionError);
    const again = run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.spoil, ev.reprint, ev.print, ev.ok]);
    expect(again.state.step).toBe('checked');
  });

  it('never hands over an unpaid certificate, but hands over a free one without payment', () => {
    const checked = run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.ok]).state;
    expect(() => transition(checked, ev.hand)).toThrow('手数料をまだ受け取っていません');
    const free = run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.ok, ev.hand], 0);
    expect(free.state.step).toBe('handed_over');
    expect(() => run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.ok, ev.pay], 0)).toThrow('手数料がかからない');
  });

  it('cancels from any step before handover, owing a refund only when paid and telling the hub only after queueing', () => {
    expect(run([ev.cancel])).toMatchObject({ state: { step: 'cancelled' }, effects: [] });
    expect(run([ev.id, ev.confirm, ev.cancel]).effects).toEqual(['relayRequest', 'notifyHub:CANCELLED']);
    const paidCancel = run([ev.id, ev.confirm, ev.ack, ev.approve, ev.print, ev.ok, ev.pay, ev.cancel]);
    expect(paidCancel.effects.slice(-2)).toEqual(['refundDue', 'notifyHub:CANCELLED']);
  });

  it('treats handed over, cancelled and rejected as final: every event is refused with a Japanese message', () => {
    for (const step of terminalSteps) {
      for (const e of allEvents) {
        expect(() => transition(state(step), e)).toThrow(/終わっています/);
      }
    }
  });

  // The complete table: for each step, the events it allows; every other pair must throw.
  const allowed: Record<RequestStep, WorkflowEvent['type'][]> = {
    entered: ['IDENTITY_CHECKED', 'RESIDENT_CONFIRMED', 'CANCELLED'],
    identity_checked: ['IDENTITY_CHECKED', 'RESIDENT_CONFIRMED', 'CANCELLED'],
    queued: ['RELAY_ACKED', 'APPROVED', 'REJECTED', 'CANCELLED'],
    relayed: ['APPROVED', 'REJECTED', 'CANCELLED'],
    approved: ['PRINTED', 'CANCELLED'],
    rejected: [],
    printed: ['CHECK_OK', 'CHECK_SPOILED', 'CANCELLED'],
    spoiled: ['REPRINT_APPROVED', 'CANCELLED'],
    checked: ['PAID', 'CANCELLED'],
    paid: ['HANDED_OVER', 'CANCELLED'],
    handed_over: [],
    cancelled: [],
  };
  for (const step of RequestStep.options) {
    for (const e of allEvents) {
      const legal = allowed[step].includes(e.type);
      it(`${legal ? 'allows' : 'refuses'} ${e.type} at ${step}`, () => {
        const attempt = () => transition(state(step), e);
        if (legal) expect(attempt().state.step).not.toBe(undefined);
        else expect(attempt).toThrow(TransitionError);
      });
    }
  }
});

describe('workflow invariants under random event sequences', () => {
  const eventArb = fc.constantFrom(...allEvents);
  const feeArb = fc.constantFrom(0, 300, 900);

  it('hands over at most once, is paid at most once, never hands over unpaid unless free, never prints unapproved', () => {
    fc.assert(
      fc.property(feeArb, fc.array(eventArb, { maxLength: 40 }), (fee, events) => {
        let s = initialState(fee);
        let handovers = 0;
        let payments = 0;
        let relays = 0;
        let approvals = 0;
        let prints = 0;
        for (const e of events) {
          const before = s;
          let t;
          try {
            t = transition(s, e);
          } catch (err) {
            expect(err).toBeInstanceOf(TransitionError);
            expect(s).toBe(before); // a refused event changes nothing
            continue;
          }
          s = t.state;
          if (s.step === 'handed_over' && before.step !== 'handed_over') handovers++;
          if (e.type === 'PAID') payments++;
          if (e.type === 'APPROVED' || e.type === 'REPRINT_APPROVED') approvals++;
          if (e.type === 'PRINTED') prints++;
          relays += t.effects.filter((x) => x.type === 'relayRequest').length;
          if (s.step === 'handed_over') expect(fee === 0 || before.paid).toBe(true);
          if (s.step === 'queued') expect(s.residentConfirmed).toBe(true);
          expect(prints).toBeLessThanOrEqual(approvals);
          if (t.effects.some((x) => x.type === 'refundDue')) expect(before.paid).toBe(true);
        }
        expect(handovers).toBeLessThanOrEqual(1);
        expect(payments).toBeLessThanOrEqual(1);
        expect(relays).toBeLessThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('reaches handover from any reachable state only through the legal path', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        const seen: string[] = [];
        let s = initialState(300);
        for (const e of events) {
          try {
            s = transition(s, e).state;
            seen.push(s.step);
          } catch {
            /* refused events are checked above */
          }
        }
        if (s.step === 'handed_over') {
          for (const needed of ['queued', 'approved', 'printed', 'checked', 'paid']) expect(seen).toContain(needed);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
