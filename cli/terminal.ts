// `odekake host` (the terminal core headless, serving its screens) and `odekake demo`.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TerminalCore } from '../electron/core/terminal';
import { KeyFileProvider } from '../electron/core/crypto';
import { loadFeeTable } from '../electron/core/fees';
import { createLogger } from '../electron/core/logger';
import { startHost, type RunningHost } from '../electron/host';
import { fixturesDir, projectRoot, rendererDir } from './paths';

export interface HostRunOptions {
  data: string;
  port: number;
  place: string;
  staff?: string;
  fees: string;
}

export async function runHost(opts: HostRunOptions): Promise<{ core: TerminalCore; host: RunningHost }> {
  if (!existsSync(join(rendererDir, 'staff.html'))) {
    throw new Error('画面のファイル (dist/renderer) がありません。先に `npm run build` を実行してください。');
  }
  const logger = createLogger();
  const dataDir = resolve(opts.data);
  const core = new TerminalCore({
    dataDir,
    keys: new KeyFileProvider(join(dataDir, 'data.key')),
    fees: loadFeeTable(resolve(opts.fees)),
    place: opts.place,
    logger,
  });
  if (opts.staff) core.staff.seedFromFile(resolve(opts.staff));
  core.startTimers();
  const host = await startHost({ core, rendererDir, port: opts.port, logger });
  return { core, host };
}

function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void stop().finally(() => process.exit(0));
    });
  }
}

export function registerTerminalCommands(program: Command): void {
  program
    .command('host')
    .description('車載端末の中核処理を Electron なしで起動し、職員画面とお客様画面を 127.0.0.1 で配信します')
    .option('--data <dir>', '端末のデータ置き場 (SQLite と鍵ファイル)', '.odekake/terminal')
    .option('--port <n>', '待ち受けポート (0 は空きポート)', (v) => Number.parseInt(v, 10), 0)
    .option('--place <id>', '監査記録に残す端末の場所 (車両ID)', 'vehicle-1')
    .option('--staff <file>', '職員名簿 (JSON) を取り込む')
    .option('--fees <file>', '手数料表 (JSON)', join(fixturesDir, 'fees.json'))
    .option('--json', '起動したら URL を JSON 1 行で標準出力に書く')
    .action(async (opts: HostRunOptions & { json?: boolean }) => {
      const { core, host } = await runHost(opts);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, port: host.port, staffUrl: host.staffUrl, residentUrl: host.residentUrl })}\n`);
      } else {
        process.stdout.write(`職員画面:     ${host.staffUrl}\nお客様画面:   ${host.residentUrl}\n`);
      }
      onSignal(async () => {
        await host.close();
        core.close();
      });
    });

  program
    .command('demo')
    .description('デモ一式 (端末・プリンタのエミュレータ・仮想カード) を起動し、開く URL を表示します')
    .option('--data <dir>', 'デモのデータ置き場', join(projectRoot, '.demo'))
    .option('--port <n>', '端末画面のポート', (v) => Number.parseInt(v, 10), 8730)
    .action(async (opts: { data: string; port: number }) => {
      const { runDemo } = await import('./demo');
      await runDemo(opts, onSignal);
    });
}
