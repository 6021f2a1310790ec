// The admin screens' calls to the hub (same origin, session cookie, CSRF header on every POST).
import {
  CONSOLE_API, type AdminAuditView, type AdminDeadLettersView, type AdminOperatorsView, type AdminVehiclesView, type DeadLetterResolution,
} from '../../../protocol/console-api';
import { RISAI_API, type Disaster, type DisasterInput } from '../../../protocol/disaster';
import type { OperatorRole } from '../../../protocol/roles';
import { callHub, queryString, withId } from '../api';

export interface AuditSearchParams {
  requestId?: string;
  person?: string;
  actor?: string;
  action?: string;
  day?: string;
  before?: string;
}

export const adminApi = {
  vehicles: () => callHub<AdminVehiclesView>('GET', CONSOLE_API.vehicles),
  revokeVehicle: (id: string, confirm: string) => callHub<{ revoked: string }>('POST', withId(CONSOLE_API.vehicleRevoke, { id }), { confirm }),
  operators: () => callHub<AdminOperatorsView>('GET', CONSOLE_API.operators),
  addOperator: (input: { id: string; displayName: string; role: OperatorRole; password: string }) => callHub<{ created: string }>('POST', CONSOLE_API.operators, input),
  setRole: (id: string, role: OperatorRole) => callHub('POST', withId(CONSOLE_API.operatorRole, { id }), { role }),
  setActive: (id: string, active: boolean) => callHub('POST', withId(CONSOLE_API.operatorActive, { id }), { active }),
  resetPassword: (id: string) => callHub<{ password: string }>('POST', withId(CONSOLE_API.operatorPassword, { id }), {}),
  deadLetters: () => callHub<AdminDeadLettersView>('GET', CONSOLE_API.deadLetters),
  resolveDeadLetter: (id: number, resolution: DeadLetterResolution) => callHub('POST', withId(CONSOLE_API.deadLetterResolve, { id: String(id) }), { resolution }),
  disasters: () => callHub<Disaster[]>('GET', RISAI_API.console.disasters),
  addDisaster: (input: DisasterInput) => callHub<Disaster>('POST', RISAI_API.console.disasters, input),
  audit: (params: AuditSearchParams) => callHub<AdminAuditView>('GET', `${CONSOLE_API.audit}${queryString(params)}`),
};

/** A time as a clerk reads it: 11/26 10:42. */
export const dateTime = (iso: string | null) =>
  iso === null ? '—' : new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
