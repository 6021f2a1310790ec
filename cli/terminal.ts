// `odekake host` (the terminal core headless, serving its screens) and `odekake demo`.
import type { Command } from 'commander';
import { join } from 'node:path';
import { fixturesDir, projectRoot } from './paths';
import { runHost, type HostRunOptions } from './run-host';

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
    .option('--outing-places <file>', '地区定期巡回の場所の一覧 (JSON)', join(fixturesDir, 'outing-places.json'))
    .option('--goods <file>', '販売品目 (ごみ処理券) と価格 (JSON)', join(fixturesDir, 'goods.json'))
    .option('--printers <file>', 'プリンター設定 (JSON)。なければ印刷しません')
    .option('--hub-enrollment <dir>', '市役所ハブへの登録フォルダ (odekake vehicle enroll の出力)。なければオフラインのまま動きます')
    .option('--hub-url <url>', '市役所ハブの URL (登録フォルダの値を上書き)')
    .option('--card', 'マイナンバーカード読み取り機 (PC/SC) を使う')
    .option('--hub-retry-max <ms>', '市役所ハブへの再接続の最大間隔 (ミリ秒, 既定 120000)', (v) => Number.parseInt(v, 10))
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
        await core.close();
      });
    });

  const audit = program.command('audit').description('端末の監査ログ');
  audit
    .command('verify')
    .description('端末の監査ログの鎖を確かめます。--anchors には市役所ハブが記録した先頭 (odekake hub audit anchors の出力) を渡します')
    .option('--data <dir>', '端末のデータ置き場', '.odekake/terminal')
    .option('--anchors <file>', '市役所ハブが記録したこの車両の監査ログの先頭 (JSON)')
    .action(async (opts: { data: string; anchors?: string }) => {
      const [{ default: Database }, { readFileSync }, { AuditLog }, { systemClock }, { z }] = await Promise.all([
        import('better-sqlite3'), import('node:fs'), import('../electron/core/audit'), import('../electron/core/clock'), import('zod'),
      ]);
      const db = new Database(join(opts.data, 'terminal.sqlite3'), { readonly: true, fileMustExist: true });
      try {
        const log = new AuditLog(db, systemClock, 'cli');
        const anchors = opts.anchors ? z.array(z.object({ seq: z.number().int(), hash: z.string() })).parse(JSON.parse(readFileSync(opts.anchors, 'utf8'))) : [];
        const verdict = opts.anchors ? log.verifyAnchored(anchors) : log.verify();
        if (verdict.ok) {
          process.stdout.write(`監査ログは正常です（${verdict.rows}件${opts.anchors ? `、市役所の記録 ${anchors.length}件と一致` : ''}）。\n`);
        } else {
          process.stderr.write(`監査ログが書き換えられています: ${verdict.brokenAt}番目の記録（${verdict.why}）。\n`);
          process.exitCode = 1;
        }
      } finally {
        db.close();
      }
    });

  program
    .command('demo')
    .description('デモ一式 (市役所ハブ・端末・プリンタのエミュレータ・仮想カード) を起動し、開く URL を表示します')
    .option('--data <dir>', 'デモのデータ置き場', join(projectRoot, '.demo'))
    .option('--port <n>', '端末画面のポート', (v) => Number.parseInt(v, 10), 8730)
    .option('--hub-port <n>', '市役所ハブのポート', (v) => Number.parseInt(v, 10), 8740)
    .option('--turn-port <n>', 'ビデオ相談の中継サーバー (coturn) のポート', (v) => Number.parseInt(v, 10), 8750)
    .option('--control-port <n>', 'デモの操作画面のポート (0 は空きポート)', (v) => Number.parseInt(v, 10), 8760)
    .option('--vpcd-port <n>', '仮想カードを入れる vpcd のポート (既定は Debian の Virtual PCD 00 00)', (v) => Number.parseInt(v, 10))
    .action(async (opts: import('./demo').DemoOptions) => {
      const { runDemo } = await import('./demo');
      await runDemo(opts, onSignal);
    });
}
