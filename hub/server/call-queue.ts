// The call queues of the consultation service, one per department: vehicles wait in the order they
// called, consultants available for a department take the oldest waiting call, and everyone waiting
// can be told their place. Pure logic over an injected clock; the routes and signaling sit on top.
// With several hub processes each keeps a copy, kept equal through the event bus (`upsert`): the
// place in line is the call time, so every copy orders the same calls the same way.
import type { CallOutcome, CallState, Department } from '../../protocol/consultation';
import type { Clock } from '../clock';
import { HubError } from '../errors';

export interface Call {
  id: string;
  vehicleId: string;
  department: Department;
  state: CallState;
  consultantId: string | null;
  calledAt: string;
  connectedAt: string | null;
  endedAt: string | null;
  outcome: CallOutcome | null;
  /** A call-back after an interrupted call: it went to the front of the queue. */
  callBack: boolean;
}

const conflict = (code: string, message: string) => new HubError(409, code, message);

export class CallQueues {
  private readonly calls = new Map<string, Call>();
  /** Arrival here, to order calls made in the same millisecond. */
  private readonly order = new Map<string, number>();
  private counter = 0;
  /** Recently finished calls, so a late end or signal gets a clear answer rather than "not found". */
  private readonly finished = new Map<string, Call>();
  /** Consultant → the departments they are available for (absent = not available). */
  private readonly available = new Map<string, ReadonlySet<Department>>();

  constructor(
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /**
   * A vehicle starts a consultation: it waits at the end of its department's queue — or, calling back
   * after a call that was cut off, at the front (behind earlier call-backs), so the resident is not
   * sent to the back of the line for a tunnel.
   */
  call(vehicleId: string, department: Department, options: { callBack?: boolean } = {}): Call {
    const open = [...this.calls.values()].find((c) => c.vehicleId === vehicleId && (c.state === 'waiting' || c.state === 'connected'));
    if (open) throw conflict('CALL_ALREADY_OPEN', 'この車両はすでに相談中か、順番待ちです。');
    const call: Call = {
      id: this.newId(),
      vehicleId,
      department,
      state: 'waiting',
      consultantId: null,
      calledAt: this.clock.now().toISOString(),
      connectedAt: null,
      endedAt: null,
      outcome: null,
      callBack: options.callBack === true,
    };
    this.order.set(call.id, ++this.counter);
    this.calls.set(call.id, call);
    return { ...call };
  }

  /**
   * Takes a call's state as another hub process (or the record) has it: a live call joins or updates
   * its queue, a finished one leaves it. Returns false when nothing changed.
   */
  upsert(call: Call): boolean {
    const known = this.calls.get(call.id) ?? this.finished.get(call.id);
    if (known && JSON.stringify(known) === JSON.stringify(call)) return false;
    const copy = { ...call };
    if (copy.state === 'waiting' || copy.state === 'connected') {
      if (this.finished.has(copy.id)) return false; // a finished call never comes back
      if (!this.order.has(copy.id)) this.order.set(copy.id, ++this.counter);
      this.calls.set(copy.id, copy);
    } else {
      this.calls.delete(copy.id);
      this.order.delete(copy.id);
      this.finished.set(copy.id, copy);
      if (this.finished.size > 200) this.finished.delete(this.finished.keys().next().value!);
    }
    return true;
  }

  /** 1-based place of a waiting call in its department's queue; null once it is no longer waiting. */
  position(callId: string): number | null {
    const call = this.find(callId);
    if (call.state !== 'waiting') return null;
    return this.waiting(call.department).findIndex((c) => c.id === callId) + 1;
  }

  waiting(department: Department): Call[] {
    return [...this.calls.values()]
      .filter((c) => c.department === department && c.state === 'waiting')
      .sort(
        (a, b) =>
          Number(b.callBack) - Number(a.callBack) ||
          (a.calledAt < b.calledAt ? -1 : a.calledAt > b.calledAt ? 1 : 0) ||
          this.order.get(a.id)! - this.order.get(b.id)!,
      );
  }

  /** Whether anyone is available for a department right now (the vehicle shows it before calling). */
  consultantsAvailable(department: Department): number {
    return [...this.available.entries()].filter(([id, deps]) => deps.has(department) && !this.busy(id)).length;
  }

  setAvailable(consultantId: string, departments: readonly Department[]): void {
    if (departments.length === 0) this.available.delete(consultantId);
    else this.available.set(consultantId, new Set(departments));
  }

  /** The consultant takes a waiting call: only the oldest one of a department they are available for. */
  accept(consultantId: string, callId: string): Call {
    const call = this.find(callId);
    const deps = this.available.get(consultantId);
    if (!deps?.has(call.department)) throw new HubError(403, 'NOT_AVAILABLE_FOR_DEPARTMENT', 'この相談先の受付が「対応可能」になっていません。');
    if (this.busy(consultantId)) throw conflict('CONSULTANT_BUSY', 'ほかの相談に対応中です。終わってから受けてください。');
    if (call.state !== 'waiting') throw conflict('CALL_NOT_WAITING', 'この相談はもう受けられません（ほかの担当が受けたか、取りやめになりました）。');
    if (this.waiting(call.department)[0]?.id !== call.id) throw conflict('NOT_FIRST_IN_QUEUE', '先に待っている方から順に受けてください。');
    call.state = 'connected';
    call.consultantId = consultantId;
    call.connectedAt = this.clock.now().toISOString();
    return { ...call };
  }

  /** The vehicle gives up while waiting (the resident left, the staff cancelled). */
  abandon(vehicleId: string, callId: string): Call {
    const call = this.find(callId);
    if (call.vehicleId !== vehicleId) throw new HubError(403, 'NOT_YOUR_CALL', 'この車両の相談ではありません。');
    if (call.state !== 'waiting') throw conflict('CALL_NOT_WAITING', 'この相談は順番待ちではありません。');
    this.finish(call, 'abandoned', 'abandoned');
    return { ...call };
  }

  /** Either party ends a connected call. */
  end(partyId: string, callId: string): Call {
    const call = this.find(callId);
    if (call.vehicleId !== partyId && call.consultantId !== partyId) throw new HubError(403, 'NOT_A_PARTY', 'この相談の当事者ではありません。');
    if (call.state !== 'connected') throw conflict('CALL_NOT_CONNECTED', 'この相談はつながっていません。');
    this.finish(call, 'ended', 'completed');
    return { ...call };
  }

  /**
   * A party stayed away longer than the grace period: a connected call is interrupted (both sides can
   * call back), a waiting one leaves the queue. Null when the call had already finished.
   */
  interrupt(callId: string): Call | null {
    const call = this.find(callId);
    if (call.state !== 'waiting' && call.state !== 'connected') return null;
    this.finish(call, 'interrupted', 'interrupted');
    return { ...call };
  }

  /** The call a vehicle is waiting with or in, or the call a consultant is in, if any. */
  openCallOf(role: 'vehicle' | 'consultant', id: string): Call | null {
    for (const c of this.calls.values()) {
      if (role === 'vehicle' ? c.vehicleId === id : c.consultantId === id) return { ...c };
    }
    return null;
  }

  /** Departments a consultant is available for (empty when not available). */
  availableFor(consultantId: string): Department[] {
    return [...(this.available.get(consultantId) ?? [])];
  }

  /**
   * A consultant signs off. Waiting calls stay in their queues for the others; a call they were in is
   * ended (the vehicle is told and can call again).
   */
  leave(consultantId: string): Call[] {
    this.available.delete(consultantId);
    const ended: Call[] = [];
    for (const call of this.calls.values()) {
      if (call.consultantId === consultantId && call.state === 'connected') {
        this.finish(call, 'ended', 'consultant_left');
        ended.push({ ...call });
      }
    }
    return ended;
  }

  /** Only the two parties of a connected call may signal each other. */
  mayRelay(callId: string, from: string, to: string): boolean {
    const call = this.calls.get(callId);
    if (!call || call.state !== 'connected' || !call.consultantId) return false;
    const parties = new Set([call.vehicleId, call.consultantId]);
    return from !== to && parties.has(from) && parties.has(to);
  }

  /** A call live here or recently finished, or null. */
  peek(callId: string): Call | null {
    const call = this.calls.get(callId) ?? this.finished.get(callId);
    return call ? { ...call } : null;
  }

  /** Every call waiting or connected. */
  live(): Call[] {
    return [...this.calls.values()].map((c) => ({ ...c }));
  }

  get(callId: string): Call {
    return { ...this.find(callId) };
  }

  private find(callId: string): Call {
    const call = this.calls.get(callId) ?? this.finished.get(callId);
    if (!call) throw new HubError(404, 'CALL_NOT_FOUND', '指定の相談が見つかりません。');
    return call;
  }

  private finish(call: Call, state: CallState, outcome: CallOutcome): void {
    call.state = state;
    call.outcome = outcome;
    call.endedAt = this.clock.now().toISOString();
    // Finished calls are in their records at the hub; the queue keeps only what is live.
    this.calls.delete(call.id);
    this.order.delete(call.id);
    this.finished.set(call.id, call);
    if (this.finished.size > 200) this.finished.delete(this.finished.keys().next().value!);
  }

  private busy(consultantId: string): boolean {
    return [...this.calls.values()].some((c) => c.consultantId === consultantId && c.state === 'connected');
  }
}
