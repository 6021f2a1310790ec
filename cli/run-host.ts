// Starts the terminal core headless with its screens served on 127.0.0.1 (used by `host` and `demo`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TerminalCore } from '../electron/core/terminal';
import { KeyFileProvider } from '../electron/core/crypto';
import { loadFeeTable } from '../electron/core/fees';
import { loadGoodsTable, loadOutingPlaces } from '../electron/core/outing-catalog';
import { createLogger } from '../common/logger';
import { startHost, type RunningHost } from '../electron/host';
import { HttpsHubTransport, loadEnrollment } from '../electron/core/hub-transport';
import { hubOptions } from '../electron/core/terminal';
import { fixturesDir, rendererDir } from './paths';

export interface HostRunOptions {
  data: string;
  port: number;
  place: string;
  staff?: string;
  fees: string;
  /** The places of 地区定期巡回 (JSON); fixtures/outing-places.json when not given. */
  outingPlaces?: string;
  /** The goods sold on the vehicle (JSON); fixtures/goods.json when not given. */
  goods?: string;
  /** Printer configuration (JSON, see native/printer/config.ts); without it the terminal cannot print. */
  printers?: string;
  /** The folder `odekake vehicle enroll` wrote; without it the terminal works offline only. */
  hubEnrollment?: string;
  hubUrl?: string;
  /** Use the PC/SC card reader (pcscd must be running). */
  card?: boolean;
  /** Longest wait between two attempts to reach city hall (default 120 s). */
  hubRetryMax?: number;
}

export async function runHost(opts: HostRunOptions): Promise<{ core: TerminalCore; host: RunningHost }> {
  if (!existsSync(join(rendererDir, 'staff.html'))) {
    throw new Error('画面のファイル (dist/renderer) がありません。先に `npm run build` を実行してください。');
  }
  const logger = createLogger();
  const dataDir = resolve(opts.data);
  // Printer adapters (and the raster renderer they may need) load only when printers are configured.
  const printers = opts.printers
    ? (await import('../native/printer/create')).createPrinters((await import('../native/printer/config')).loadPrinterConfig(resolve(opts.printers)))
    : undefined;
  const card = opts.card ? new (await import('../native/card/service')).PcscCardService({ logger }) : undefined;
  const hub = opts.hubEnrollment ? loadEnrollment(resolve(opts.hubEnrollment), opts.hubUrl) : undefined;
  const core = new TerminalCore({
    dataDir,
    keys: new KeyFileProvider(join(dataDir, 'data.key')),
    fees: loadFeeTable(resolve(opts.fees)),
    outingPlaces: loadOutingPlaces(resolve(opts.outingPlaces ?? join(fixturesDir, 'outing-places.json'))),
    goods: loadGoodsTable(resolve(opts.goods ?? join(fixturesDir, 'goods.json'))),
    place: opts.place,
    logger,
    ...(printers ? { printers, receiptColumns: printers.receiptColumns } : {}),
    ...(card ? { card } : {}),
    ...(hub
      ? {
          hub: {
            ...hubOptions(new HttpsHubTransport(hub), hub.printSigningKey),
            ...(opts.hubRetryMax ? { retry: { baseMs: Math.min(2_000, opts.hubRetryMax), maxMs: opts.hubRetryMax } } : {}),
          },
        }
      : {}),
  });
  if (opts.staff) core.staff.seedFromFile(resolve(opts.staff));
  core.startTimers();
  const host = await startHost({ core, rendererDir, port: opts.port, logger });
  return { core, host };
}
