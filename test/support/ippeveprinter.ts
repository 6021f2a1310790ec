// A real IPP Everywhere printer (CUPS ippeveprinter) on a free port with its own spool directory,
// for integration tests. Starts D-Bus and Avahi first when they are not running.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EscposEmulator } from '../../native/printer/escpos-emulator';
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

/** Both of a vehicle's printers for a test: a real IPP printer for A4 and the receipt emulator, and the printers file naming them. */
export interface VehiclePrinters {
  ipp: TestIppPrinter;
  receipts: EscposEmulator;
  /** The `--printers` file of the host. */
  configFile: string;
  stop(): Promise<void>;
}

export async function startVehiclePrinters(dir: string): Promise<VehiclePrinters> {
  const ipp = await startTestIppPrinter();
  const receipts = new EscposEmulator();
  await receipts.start();
  const configFile = join(dir, 'printers.json');
  writeFileSync(configFile, JSON.stringify({ certificate: { uri: ipp.uri }, receipt: { host: '127.0.0.1', port: receipts.port } }));
  return {
    ipp, receipts, configFile,
    async stop() {
      await receipts.stop();
      await ipp.dispose();
    },
  };
}
