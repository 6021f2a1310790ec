// The vehicle and the hub apply the same seven-step table: random event sequences run through the
// vehicle core's transition function and the function the hub's vehicle sync applies to relayed
// events, with the hub's own decisions (approve, reject, reprint) in between, and the two sides must
// always hold the same step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestStep } from '../../protocol/domain';
import { stepAfterHubDecision, stepAfterVehicleEvent, vehicleNotifiedEvents, type VehicleNotifiedEvent } from '../../protocol/workflow';
import { initialState, transition, TransitionError, type WorkflowEvent, type WorkflowState } from '../../electron/core/workflow';

type Move =
  | { side: 'vehicle'; event: WorkflowEvent }
  | { side: 'hub'; decision: 'APPROVED' | 'REJECTED' | 'REPRINT_APPROVED' };

const vehicleEvents: WorkflowEvent[] = [
  { type: 'IDENTITY_CHECKED' }, { type: 'RESIDENT_CONFIRMED' }, { type: 'RELAY_ACKED' }, { type: 'PRINTED' },
  { type: 'CHECK_OK' }, { type: 'CHECK_SPOILED', reason: 'かすれ' }, { type: 'PAID' }, { type: 'HANDED_OVER' },
  { type: 'CANCELLED', reason: 'お客様の都合' },
];
const decisions = ['APPROVED', 'REJECTED', 'REPRINT_APPROVED'] as const;
const allMoves: Move[] = [
  ...vehicleEvents.map((event): Move => ({ side: 'vehicle', event })),
  ...decisions.map((decision): Move => ({ side: 'hub', decision })),
];
/**
 * A choice, not a move: most choices pick among the moves legal right now (so sequences reach
 * printing, payment and handover), the rest pick any move at all (so refusals are exercised too).
 */
const choice = fc.record({ legalOnly: fc.nat(9).map((n) => n < 8), pick: fc.nat(1000) });


/** The step the hub should hold for a vehicle step, or undefined while the request has not been relayed. */
function hubView(step: RequestStep): RequestStep | undefined {
  if (step === 'entered' || step === 'identity_checked') return undefined;
  return step === 'queued' ? 'relayed' : step;
}

function tryTransition(state: WorkflowState, event: WorkflowEvent) {
  try {
    return transition(state, event);
  } catch (e) {
    if (e instanceof TransitionError) return null;
    throw e;
  }
}

const isNotified = (t: string): t is VehicleNotifiedEvent => (vehicleNotifiedEvents as readonly string[]).includes(t);

describe('one workflow table on both sides', () => {
  it('keeps the vehicle and the hub on the same step through any sequence of events and decisions', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 300, 450), fc.array(choice, { minLength: 1, maxLength: 40 }), (fee, choices) => {
        let vehicle = initialState(fee);
        let hub: RequestStep | undefined;
        let cancelledBeforeRelay = false;
        for (const c of choices) {
          const legal = allMoves.filter((m) => (m.side === 'hub' ? hub !== undefined && stepAfterHubDecision(hub, m.decision) !== null : tryTransition(vehicle, m.event) !== null));
          const pool = c.legalOnly && legal.length > 0 ? legal : allMoves;
          const m = pool[c.pick % pool.length]!;
          if (m.side === 'hub') {
            const decided = hub ? stepAfterHubDecision(hub, m.decision) : null;
            if (!decided) continue;
            hub = decided;
            // A decision the hub makes reaches the vehicle (push or inbox) and must be legal there too.
            const t = tryTransition(vehicle, { type: m.decision, ...(m.decision === 'REJECTED' ? { reason: '該当者なし' } : {}) } as WorkflowEvent);
            expect(t, `the vehicle at ${vehicle.step} refused the hub's ${m.decision}`).not.toBeNull();
            vehicle = t!.state;
          } else {
            const before = vehicle.step;
            const t = tryTransition(vehicle, m.event);
            if (!t) {
              // What the vehicle refuses, the hub refuses too.
              if (hub && isNotified(m.event.type)) expect(stepAfterVehicleEvent(hub, m.event.type, fee), `${m.event.type} at ${before}`).toBeNull();
              continue;
            }
            vehicle = t.state;
            for (const effect of t.effects) {
              if (effect.type === 'relayRequest') hub = 'relayed';
              if (effect.type === 'notifyHub') {
                expect(hub, `${effect.event} sent before the request was relayed`).toBeDefined();
                const next = stepAfterVehicleEvent(hub!, effect.event, fee);
                expect(next, `the hub at ${hub} refused ${effect.event} the vehicle sent from ${before}`).not.toBeNull();
                hub = next!;
              }
            }
            if (!hub && vehicle.step === 'cancelled') cancelledBeforeRelay = true;
          }
          if (cancelledBeforeRelay) expect(hub).toBeUndefined();
          else expect(hub, `vehicle at ${vehicle.step}`).toBe(hubView(vehicle.step));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('lets the hub decide only where the vehicle can take the decision', () => {
    expect(stepAfterHubDecision('relayed', 'APPROVED')).toBe('approved');
    expect(stepAfterHubDecision('relayed', 'REJECTED')).toBe('rejected');
    expect(stepAfterHubDecision('approved', 'APPROVED')).toBeNull();
    expect(stepAfterHubDecision('cancelled', 'REJECTED')).toBeNull();
    expect(stepAfterHubDecision('spoiled', 'REPRINT_APPROVED')).toBe('approved');
    // A reprint of a sheet the vehicle holds as printed (not spoiled) leaves the step where the vehicle keeps it.
    expect(stepAfterHubDecision('printed', 'REPRINT_APPROVED')).toBeNull();
  });

  it('moves a relayed request the way the vehicle reports it', () => {
    expect(stepAfterVehicleEvent('approved', 'PRINTED', 300)).toBe('printed');
    expect(stepAfterVehicleEvent('relayed', 'PRINTED', 300)).toBeNull();
    expect(stepAfterVehicleEvent('checked', 'PAID', 0)).toBeNull();
    expect(stepAfterVehicleEvent('checked', 'HANDED_OVER', 300)).toBeNull();
    expect(stepAfterVehicleEvent('checked', 'HANDED_OVER', 0)).toBe('handed_over');
    expect(stepAfterVehicleEvent('handed_over', 'CANCELLED', 300)).toBeNull();
    expect(stepAfterVehicleEvent('rejected', 'CANCELLED', 300)).toBeNull();
    expect(stepAfterVehicleEvent('spoiled', 'CANCELLED', 300)).toBe('cancelled');
  });
});
