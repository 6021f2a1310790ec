// `odekake hub init|start|operator-add|intake-key|report|import-records` and `odekake vehicle enroll|revoke`: the city-hall hub's
// data directory, its server, and the vehicles it trusts.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { operatorRoles, type OperatorRole } from '../protocol/roles';
import { projectRoot } from './paths';

function readLine(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) process.stderr.write(prompt);
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

function readPemFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw Object.assign(new Error(`認証局証明書のファイルが読めません（${file}）。場所を確かめてください。`), { code: 'JPKI_CA_UNREADABLE' });
  }
}

function fail(e: unknown): never {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`エラー${err.code ? ` [${err.code}]` : ''}: ${err.message ?? String(e)}\n`);
  process.exit(1);
}

/** The hub with the city's stand-in registry and the certificate renderer wired in (`hub start`, the demo). */
export async function startCityHub(opts: { dataDir: string; db?: string; visitRulesFile?: string; feesFile?: string; port: number; host?: string; registryDir?: string; jpkiCaPem?: string[]; allowTestJpkiCa?: boolean; turn?: import('../hub/server').TurnConfig }) {
  const [{ startHub }, { readHubKeys }, { FixtureRegistry }, { registryLookup }, { registryCertificates }, { loadVisitRules }, { loadFeeTable }] = await Promise.all([
    import('../hub/server'), import('../hub/server/data-dir'), import('../hub/registry'), import('../hub/server/registry-lookup'),
    import('../hub/server/certificate-issuer'), import('../common/visit-rules-file'), import('../common/fee-table-file'),
  ]);
  // Read first: a bad rules file stops the start with the field named, before anything is opened.
  const visitRules = loadVisitRules(opts.visitRulesFile ?? join(projectRoot, 'fixtures', 'visit-rules.json'));
  const fees = loadFeeTable(opts.feesFile ?? join(projectRoot, 'fixtures', 'fees.json'));
  const registry = await FixtureRegistry.load(opts.registryDir ?? join(projectRoot, 'fixtures', 'registry'));
  return startHub({
    dataDir: opts.dataDir, db: opts.db, port: opts.port, host: opts.host ?? '127.0.0.1', jpkiCaPem: opts.jpkiCaPem, allowTestJpkiCa: opts.allowTestJpkiCa === true,
    registry: registryLookup(registry),
    visitRules,
    fees,
    certificates: registryCertificates(registry, { verificationKey: readHubKeys(opts.dataDir).verificationKey }),
    consoleDir: join(projectRoot, 'dist', 'renderer', 'console'),
    turn: opts.turn,
  });
}

export function registerHubCommands(program: Command): void {
  const hub = program.command('hub').description('市役所ハブ (証明書の承認・発行、車両との同期)');

  hub
    .command('init')
    .description('ハブのデータ置き場・データベース・認証局・サーバー証明書・印刷署名鍵と最初の管理者を作ります')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .option('--admin <id>', '最初の管理者の職員番号', 'admin')
    .option('--password-stdin', '管理者のパスワードを標準入力から 1 行で読む (なければ生成して一度だけ表示)')
    .option('--host <name...>', 'サーバー証明書に入れる名前', ['127.0.0.1', 'localhost'])
    .option('--jpki-ca <file>', 'マイナ保険証紐付けで信頼する公的個人認証の認証局証明書 (PEM、データ置き場に保存)')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…)。データ置き場に記録し (0600)、以後のコマンドはそれを使います。省略時はデータ置き場の SQLite')
    .action(async (opts: { data: string; admin: string; passwordStdin?: boolean; host: string[]; jpkiCa?: string; db?: string }) => {
      const { initHub } = await import('../hub/server/data-dir');
      try {
        const password = opts.passwordStdin ? (await readLine('管理者のパスワード: ')).trim() : undefined;
        const jpkiCaPem = opts.jpkiCa === undefined ? undefined : readPemFile(opts.jpkiCa);
        const r = await initHub({ dataDir: opts.data, adminId: opts.admin, adminPassword: password, hostnames: opts.host, jpkiCaPem, db: opts.db });
        process.stdout.write(`市役所ハブを作りました: ${opts.data}\n管理者: ${r.adminId}\n`);
        if (r.generated) process.stdout.write(`管理者のパスワード (この一度だけ表示します。控えてください): ${r.adminPassword}\n`);
      } catch (e) {
        fail(e);
      }
    });

  hub
    .command('start')
    .description('ハブを HTTPS で起動します (車両は相互 TLS、職員はブラウザで操作画面)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .option('--port <n>', '待ち受けポート (0 は空きポート)', (v) => Number.parseInt(v, 10), 8740)
    .option('--host <addr>', '待ち受けアドレス', '127.0.0.1')
    .option('--registry <dir>', '住民記録の代わりのデータ (fixtures/registry)')
    .option('--visit-rules <file>', '訪問予約 (デマンド運行) のルール (JSON; 省略時は fixtures/visit-rules.json)')
    .option('--fees <file>', '証明書の手数料表 (JSON; 車両から届く手数料をこれで確かめる; 省略時は fixtures/fees.json)')
    .option('--json', '起動したら URL を JSON 1 行で標準出力に書く')
    .option('--jpki-ca <file...>', 'マイナ保険証紐付けで信頼する公的個人認証の認証局証明書 (PEM; 省略時は hub init で保存したもの)')
    .option('--turn-port <n>', 'ビデオ相談用の TURN サーバー (coturn) をこのポートで一緒に起動する', (v) => Number.parseInt(v, 10))
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; port: number; host: string; registry?: string; visitRules?: string; fees?: string; json?: boolean; jpkiCa?: string[]; turnPort?: number; db?: string }) => {
      try {
        // coturn first: the hub hands out credentials for it, so it must know its address and secret.
        const turn = opts.turnPort
          ? await (await import('../hub/server/turn')).startCoturn({ dir: join(opts.data, 'turn'), port: opts.turnPort, ip: opts.host })
          : null;
        const running = await startCityHub({
          dataDir: opts.data, db: opts.db, visitRulesFile: opts.visitRules, feesFile: opts.fees, port: opts.port, host: opts.host, registryDir: opts.registry, jpkiCaPem: opts.jpkiCa?.map(readPemFile),
          turn: turn ? { urls: turn.urls, secret: turn.secret } : undefined,
        }).catch(async (e: unknown) => {
          await turn?.stop();
          throw e;
        });
        if (opts.json) process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, url: running.url, port: running.port, turn: turn?.url ?? null })}\n`);
        else process.stdout.write(`市役所ハブ: ${running.url}\n職員の操作画面: ${running.url}/\n${turn ? `TURN: ${turn.urls.join(' ')}\n` : ''}`);
        let stopping = false;
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.on(signal, () => {
            if (stopping) return;
            stopping = true;
            void Promise.allSettled([running.stop(), turn?.stop()]).finally(() => process.exit(0));
          });
        }
      } catch (e) {
        fail(e);
      }
    });

  hub
    .command('operator-add')
    .description('市役所の職員 (証明書担当・相談担当・配車担当・企画担当・管理者) を登録します。パスワードは標準入力から 1 行で読みます')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .requiredOption('--id <id>', '職員番号')
    .requiredOption('--name <name>', '表示名')
    .option('--role <role>', `役割 (${operatorRoles.join(' / ')})`, 'operator')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; id: string; name: string; role: string; db?: string }) => {
      const { addOperator, openHubStore } = await import('../hub/server/data-dir');
      if (!operatorRoles.includes(opts.role as OperatorRole)) fail({ code: 'INVALID_ROLE', message: `役割は ${operatorRoles.join(' / ')} のどれかです。` });
      let store: Awaited<ReturnType<typeof openHubStore>> | undefined;
      try {
        store = await openHubStore(opts.data, opts.db);
        const password = (await readLine('パスワード: ')).trim();
        await addOperator(store, { id: opts.id, displayName: opts.name, role: opts.role as OperatorRole, password, actor: 'admin-cli' });
        process.stdout.write(`職員 ${opts.id} を登録しました。\n`);
      } catch (e) {
        fail(e);
      } finally {
        await store?.close();
      }
    });

  hub
    .command('disaster-add')
    .description('り災証明書の申請を受け付ける災害を登録します (車両は次の同期で一覧を受け取ります)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .requiredOption('--name <name>', '災害の名前 (例 令和5年台風第13号)')
    .requiredOption('--kind <kind>', '種類 (earthquake=地震 / storm_flood=台風・大雨 / fire=火災 / other=その他)')
    .requiredOption('--date <YYYY-MM-DD>', '発生日')
    .requiredOption('--area <area>', '対象地域')
    .option('--self-assessment', '写真による自己判定方式を認める', false)
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; name: string; kind: string; date: string; area: string; selfAssessment: boolean; db?: string }) => {
      const { openHubStore } = await import('../hub/server/data-dir');
      const { addDisaster } = await import('../hub/server/risai');
      const { systemClock } = await import('../hub/clock');
      let store: Awaited<ReturnType<typeof openHubStore>> | undefined;
      try {
        store = await openHubStore(opts.data, opts.db);
        const d = await addDisaster(store, { name: opts.name, kind: opts.kind, date: opts.date, area: opts.area, selfAssessment: opts.selfAssessment }, 'admin-cli', systemClock);
        process.stdout.write(`災害「${d.name}」を登録しました（${d.id}）。\n`);
      } catch (e) {
        fail(e);
      } finally {
        await store?.close();
      }
    });

  hub
    .command('report')
    .description('実績 (運用回数・サービス提供者数・説明者数) の表を年度または月の範囲で書き出します (CSV / Excel / PDF、月別のグラフは PNG)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .option('--fy <year>', '年度 (西暦、4月〜翌年3月。例 2022)')
    .option('--from <YYYY-MM>', '期間の始まりの月')
    .option('--to <YYYY-MM>', '期間の終わりの月')
    .requiredOption('--format <format>', '形式 (csv / xlsx / pdf / png)')
    .option('--chart <chart>', 'png のグラフ (services はサービス別の提供者数 / places は地区・種類別の運用回数)', 'services')
    .option('--encoding <encoding>', 'CSV の文字コード (utf8 は BOM 付き / sjis は Shift_JIS)', 'utf8')
    .requiredOption('--out <file>', '書き出すファイル')
    .action(async (opts: { data: string; db?: string; fy?: string; from?: string; to?: string; format: string; chart: string; encoding: string; out: string }) => {
      const { writeRecordsReport } = await import('../hub/server/records-commands');
      try {
        const fiscalYear = opts.fy === undefined ? undefined : /^\d+$/.test(opts.fy) ? Number(opts.fy) : Number.NaN;
        const r = await writeRecordsReport({
          dataDir: opts.data, db: opts.db, range: { fiscalYear, from: opts.from, to: opts.to },
          file: { format: opts.format, chart: opts.chart, encoding: opts.encoding, out: opts.out },
        });
        process.stdout.write(`実績を書き出しました: ${r.out}（運用回数 ${r.operations}回、サービス提供者数 ${r.served}人）\n`);
      } catch (e) {
        fail(e);
      }
    });

  hub
    .command('import-records')
    .description('市のこれまでの実績表 (CSV、docs/records-import.md の形) を取り込みます。1行でも誤りがあれば何も取り込みません')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .argument('<file>', '取り込む CSV ファイル (UTF-8)')
    .action(async (file: string, opts: { data: string; db?: string }) => {
      const { importRecordsFile } = await import('../hub/server/records-commands');
      try {
        const r = await importRecordsFile({ dataDir: opts.data, db: opts.db, file });
        process.stdout.write(`実績を ${r.rows} 行取り込みました。\n`);
      } catch (e) {
        fail(e);
      }
    });

  const auditCommand = hub.command('audit').description('市役所ハブの監査ログ');
  auditCommand
    .command('verify')
    .description('監査ログの鎖と、署名したチェックポイントを確かめます (書き換えがあれば番号を示して失敗します)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; db?: string }) => {
      const [{ hubPaths, openHubStore }, { ensureAuditSigningKey, verifyAuditAnchors }] = await Promise.all([import('../hub/server/data-dir'), import('../hub/server/audit-anchors')]);
      try {
        const paths = hubPaths(opts.data);
        const store = await openHubStore(opts.data, opts.db);
        try {
          const verdict = await verifyAuditAnchors(store, ensureAuditSigningKey(paths.auditSigningKey, paths.auditSigningPublicKey).publicKey);
          if (verdict.ok) {
            process.stdout.write(`監査ログは正常です（${verdict.rows}件、署名済みチェックポイント ${verdict.checkpoints}件と一致）。\n`);
          } else {
            process.stderr.write(`監査ログが書き換えられています: ${verdict.brokenAt}番目の記録（${verdict.why}）。\n`);
            process.exitCode = 1;
          }
        } finally {
          await store.close();
        }
      } catch (e) {
        fail(e);
      }
    });
  auditCommand
    .command('anchors')
    .description('車両から届いた監査ログの先頭を JSON で書き出します (車両で odekake audit verify --anchors に使います)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .requiredOption('--vehicle <id>', '車両ID')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; vehicle: string; db?: string }) => {
      const { openHubStore } = await import('../hub/server/data-dir');
      try {
        const store = await openHubStore(opts.data, opts.db);
        try {
          const rows = await store.transaction((tx) => tx.listAudit({ action: 'vehicle.audit_head' }));
          const anchors = rows.filter((r) => r.actor === opts.vehicle).map((r) => {
            const d = JSON.parse(r.detail) as { seq: number; hash: string };
            return { seq: d.seq, hash: d.hash };
          });
          process.stdout.write(`${JSON.stringify(anchors)}\n`);
        } finally {
          await store.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  const intakeKey = hub.command('intake-key').description('予約受付 API (スマホ市役所の中継) の受付キー');
  intakeKey
    .command('add')
    .description('受付キーを発行し、「キー番号 秘密鍵」を標準出力に一度だけ書きます (秘密鍵は中継の設定にだけ写してください)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .requiredOption('--name <name>', 'キーの名前 (どの中継に渡すか)')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; name: string; db?: string }) => {
      const { addIntakeKey } = await import('../hub/server/data-dir');
      try {
        const { keyId, secret } = await addIntakeKey({ dataDir: opts.data, name: opts.name, db: opts.db });
        process.stdout.write(`${keyId} ${secret}\n`);
        process.stderr.write('秘密鍵はこの一度だけ表示します。中継の設定に写したら、この画面を閉じてください。\n');
      } catch (e) {
        fail(e);
      }
    });
  intakeKey
    .command('revoke')
    .description('受付キーを失効させます (以後そのキーで署名した要求はすべて拒否され、記録に残ります)')
    .requiredOption('--data <dir>', 'ハブのデータ置き場')
    .requiredOption('--id <keyId>', 'キー番号 (ik-…)')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { data: string; id: string; db?: string }) => {
      const { revokeIntakeKey } = await import('../hub/server/data-dir');
      try {
        await revokeIntakeKey({ dataDir: opts.data, keyId: opts.id, db: opts.db });
        process.stdout.write(`受付キー ${opts.id} を失効させました。\n`);
      } catch (e) {
        fail(e);
      }
    });

  const vehicle = program.command('vehicle').description('ハブに登録する車両 (クライアント証明書)');
  vehicle
    .command('enroll')
    .description('車両のクライアント証明書と鍵、ハブの認証局証明書、印刷署名の公開鍵をフォルダに書き出します')
    .requiredOption('--hub-data <dir>', 'ハブのデータ置き場')
    .requiredOption('--vehicle <id>', '車両ID (半角英数字)')
    .requiredOption('--out <dir>', '書き出し先のフォルダ (車両に渡す)')
    .option('--hub-url <url>', '車両が接続するハブの URL (enrollment.json に書きます)')
    .option('--keep-old-certificates', '登録し直すとき、この車両の前の証明書を失効させずに残す (既定では失効させます)')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { hubData: string; vehicle: string; out: string; hubUrl?: string; db?: string; keepOldCertificates?: boolean }) => {
      const { enrollVehicle } = await import('../hub/server/data-dir');
      try {
        const m = await enrollVehicle({
          dataDir: opts.hubData, vehicleId: opts.vehicle, outDir: opts.out, hubUrl: opts.hubUrl ?? null, db: opts.db, keepOldCertificates: opts.keepOldCertificates === true,
        });
        process.stdout.write(`車両 ${m.vehicleId} を登録しました: ${m.dir}\n証明書の指紋: ${m.certificateFingerprint}\n`);
      } catch (e) {
        fail(e);
      }
    });
  vehicle
    .command('revoke')
    .description('車両の証明書を失効させます (以後その車両の接続は拒否され、記録に残ります)')
    .requiredOption('--hub-data <dir>', 'ハブのデータ置き場')
    .requiredOption('--vehicle <id>', '車両ID')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { hubData: string; vehicle: string; db?: string }) => {
      const { revokeVehicle } = await import('../hub/server/data-dir');
      try {
        await revokeVehicle({ dataDir: opts.hubData, vehicleId: opts.vehicle, db: opts.db });
        process.stdout.write(`車両 ${opts.vehicle} を失効させました。\n`);
      } catch (e) {
        fail(e);
      }
    });
  vehicle
    .command('revoke-cert')
    .description('証明書を1枚だけ失効させます (指紋で指定。車両のほかの証明書はそのまま); 動いているハブはその証明書の接続をすぐ切ります')
    .requiredOption('--hub-data <dir>', 'ハブのデータ置き場')
    .requiredOption('--fingerprint <sha256>', '証明書の指紋 (登録時に表示した AB:CD:… の形)')
    .option('--db <url>', 'PostgreSQL のデータベース (postgres://…; 省略時は hub init で記録したもの、なければデータ置き場の SQLite)')
    .action(async (opts: { hubData: string; fingerprint: string; db?: string }) => {
      const { revokeVehicleCertificate } = await import('../hub/server/data-dir');
      try {
        const { vehicleId } = await revokeVehicleCertificate({ dataDir: opts.hubData, fingerprint: opts.fingerprint, db: opts.db });
        process.stdout.write(`車両 ${vehicleId} の証明書 ${opts.fingerprint.trim().toUpperCase()} を失効させました。\n`);
      } catch (e) {
        fail(e);
      }
    });
}
