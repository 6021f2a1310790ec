// Video consultations: the departments a resident in the vehicle can talk to, and the states of a call.
import { z } from 'zod';

export const Department = z.enum(['welfare_health', 'life_events', 'pension', 'sign_language'], {
  error: '相談先を選んでください。',
});
export type Department = z.infer<typeof Department>;

export const departmentLabel: Record<Department, string> = {
  welfare_health: '福祉・保健',
  life_events: 'ライフイベント（おくやみ）',
  pension: '年金',
  sign_language: '手話',
};

/** waiting → connected → ended; a waiting call may be abandoned; a connected one may be interrupted. */
export const CallState = z.enum(['waiting', 'connected', 'ended', 'abandoned']);
export type CallState = z.infer<typeof CallState>;
