// Calling a terminal core through its contract, as a screen does, for tests.
import type { AppErrorShape } from '../../protocol/errors';
import type { CallResult, Screen } from '../../protocol/ipc';
import type { TerminalCore } from '../../electron/core/terminal';

export function contractOn(core: () => TerminalCore) {
  const call = (name: string, input: unknown, screen: Screen = 'staff'): Promise<CallResult> => core().call(screen, name, input);
  /** The call's value; a refused call fails the test with its code and message. */
  const ok = async <T = any>(name: string, input: unknown, screen: Screen = 'staff'): Promise<T> => {
    const r = await call(name, input, screen);
    if (!r.ok) throw new Error(`${name} failed: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  /** The error of a call that must be refused. */
  const fails = async (name: string, input: unknown, screen: Screen = 'staff'): Promise<AppErrorShape> => {
    const r = await call(name, input, screen);
    if (r.ok) throw new Error(`${name} should have failed`);
    return r.error;
  };
  return { call, ok, fails };
}
