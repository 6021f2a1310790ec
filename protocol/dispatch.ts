// The single entry from any transport into the core: finds the call, checks the screen may make it,
// validates the input, runs the handler and validates what goes back. Pure: no I/O of its own.
import { z } from 'zod';
import { fieldProblems, type AppErrorShape } from './errors';
import { isCallName, terminalContract, type CallResult, type Screen, type TerminalHandlers } from './ipc';

/** Errors the handlers throw carry a code and a Japanese message; anything else is hidden. */
export interface Presentable {
  code: string;
  message: string;
  fields?: { path: string; message: string }[];
}
const isPresentable = (e: unknown): e is Presentable & { presentable: true } =>
  typeof e === 'object' && e !== null && (e as { presentable?: unknown }).presentable === true;

export async function dispatchCall(
  handlers: TerminalHandlers,
  screen: Screen,
  name: unknown,
  rawInput: unknown,
  onUnexpected: (error: unknown, name: string) => void,
): Promise<CallResult> {
  const fail = (error: AppErrorShape): CallResult => ({ ok: false, error });
  if (!isCallName(name)) return fail({ code: 'UNKNOWN_CALL', message: '端末の内部エラーです（不明な操作）。画面を再読み込みしてください。' });
  const def = terminalContract.calls[name];
  if (!def.screens.includes(screen)) {
    return fail({ code: 'FORBIDDEN_SCREEN', message: 'この画面からはこの操作はできません。' });
  }
  const parsed = def.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const fields = fieldProblems(parsed.error);
    return fail({ code: 'INVALID_INPUT', message: fields[0]?.message ?? '入力が正しくありません。', fields });
  }
  try {
    const handler = handlers[name] as (input: unknown, screen: Screen) => unknown;
    const value = await handler(parsed.data, screen);
    return { ok: true, value: (def.output as z.ZodType).parse(value) };
  } catch (e) {
    if (isPresentable(e)) return fail({ code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) });
    onUnexpected(e, name);
    return fail({ code: 'INTERNAL', message: '端末の内部エラーです。もう一度お試しください。続く場合は管理者に連絡してください。' });
  }
}
