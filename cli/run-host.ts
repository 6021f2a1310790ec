// Starts the terminal core headless with its screens served on 127.0.0.1 (used by `host` and `demo`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TerminalCore } from '../electron/core/terminal';
import { createLogger, type Logger } from '../common/logger';
import { startHost, type RunningHost } from '../electron/host';
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

/**
 * Listens first, then opens the core: the screens' pages load and their sockets connect while the
 * core's code loads and its database opens, and `onListening` may announce the URLs at once. Calls
 * wait for the core; if it cannot open, the server closes and the error is thrown.
 */
export async function runHost(opts: HostRunOptions, onListening?: (host: RunningHost) => void): Promise<{ core: TerminalCore; host: RunningHost }> {
  if (!existsSync(join(rendererDir, 'staff.html'))) {
    throw new Error('画面のファイル (dist/renderer) がありません。先に `npm run build` を実行してください。');
  }
  const logger = createLogger();
  const opening = openCore(opts, logger);
  opening.catch(() => undefined); // awaited below, once the server listens
  const host = await startHost({ core: opening, rendererDir, port: opts.port, logger });
  onListening?.(host);
  try {
    return { core: await opening, host };
  } catch (e) {
    await host.close();
    throw e;
  }
}

async function openCore(opts: HostRunOptions, logger: Logger): Promise<TerminalCore> {
  // In two steps (the contract's schemas, then the core), so the server answers the screens between them.
  await import('../protocol/ipc');
  await new Promise((resolve) => setImmediate(resolve));
  const [{ TerminalCore, hubOptions }, { KeyFileProvider }, { loadFeeTable }, { loadGoodsTable, loadOutingPlaces }, { HttpsHubTransport, loadEnrollment }] = await Promise.all([
    import('../electron/core/terminal'),
    import('../electron/core/crypto'),
    import('../electron/core/fees'),
    import('../electron/core/outing-catalog'),
    import('../electron/core/hub-transport'),
  ]);
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
  return core;
}
