// One admin list (vehicles, operators, set-aside messages): fetched when the screen opens and again on
// demand; a failure goes to the console's banner and the list stays as it was.
import { useCallback, useEffect, useState } from 'react';
import { useConsole } from '../store';

/** `fetch` must keep its identity (a module-level function): a new one each render would fetch each render. */
export function useAdminList<T>(fetch: () => Promise<T[]>): { items: T[] | null; load: () => Promise<void> } {
  const { report } = useConsole();
  const [items, setItems] = useState<T[] | null>(null);
  const load = useCallback(async () => {
    try {
      setItems(await fetch());
    } catch (e) {
      report(e);
    }
  }, [fetch, report]);
  useEffect(() => {
    void load();
  }, [load]);
  return { items, load };
}
