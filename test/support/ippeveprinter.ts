// A real IPP Everywhere printer (CUPS ippeveprinter) on a free port with its own spool directory,
// for integration tests. Starts D-Bus and Avahi first when they are not running.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIppEvePrinter, type RunningIppPrinter } from '../../native/printer/ippeveprinter';

export type { RunningIppPrinter };

export interface TestIppPrinter extends RunningIppPrinter {
  /** Stops the printer and removes its spool directory. */
  dispose(): Promise<void>;
}

/** `port` restarts a printer where a killed one was, as when the same printer is switched back on. */
export async function startTestIppPrinter(options: { port?: number } = {}): Promise<TestIppPrinter> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'odekake-ipp-test-'));
  const printer = await startIppEvePrinter({ spoolDir, ...options });
  return {
    ...printer,
    async dispose() {
      await printer.stop();
      rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}
