// The demo: everything a newcomer needs to try the whole flow on one machine, on SQLite — the city-hall
// hub with its operator console, the vehicle terminal with its two screens enrolled to it, a real IPP
// printer (ippeveprinter), the receipt printer emulator and a virtual My Number card in the vpcd reader.
// A control page takes the card out, runs a printer out of paper, cuts the vehicle's network (a relay
// the vehicle reaches city hall through) and stops the hub — what a newcomer cannot do by hand.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrinterEmulators } from '../native/printer/demo';
import { DemoCardSlot } from './demo-card';
import { startDemoControl } from './demo-control';
import { seedDemoData } from './demo-data';
import { startDemoNetwork } from './demo-network';
import { fixturesDir, projectRoot } from './paths';
import { runHost } from './run-host';
import { startCityHub } from './hub';

const DEMO_VEHICLE = 'demo-vehicle';
/** The demo's consultant and dispatcher (invented people): the video consultation desk and the home-visit bookings. */
const DEMO_CONSULTANT = { id: 'soudan', displayName: '相談 花子', role: 'consultant' } as const;
const DEMO_DISPATCHER = { id: 'haisha', displayName: '配車 次郎', role: 'dispatcher' } as const;
const DEMO_PLANNER = { id: 'kikaku', displayName: '企画 三郎', role: 'planning' } as const;
const DEMO_TAX = { id: 'zeimu', displayName: '税務 四郎', role: 'tax' } as const;
/** The demo's certificate operator (証明書担当): approves and rejects the vehicle's certificate requests. */
const DEMO_CERTIFICATE_OPERATOR = { id: 'shomei', displayName: '証明 一郎', role: 'operator' } as const;
type DemoOperator = typeof DEMO_CONSULTANT | typeof DEMO_DISPATCHER | typeof DEMO_PLANNER | typeof DEMO_TAX | typeof DEMO_CERTIFICATE_OPERATOR;
/** The invented resident whose card is in the reader when the demo starts. */
const FIRST_CARD = 'yamazaki-takashi';
/** The demo reaches city hall again within seconds of the network coming back. */
const DEMO_HUB_RETRY_MAX_MS = 3_000;

/** First run: the hub's data folder, its admin (password kept in a 0600 file for the demo) and the vehicle's enrollment. */
async function prepareHub(dir: string, hubPort: number): Promise<{ adminPassword: string; enrollment: string }> {
  const { initHub, enrollVehicle } = await import('../hub/server/data-dir');
  const passwordFile = join(dir, 'admin-password.txt');
  const enrollment = join(dir, 'vehicle-enrollment');
  if (!existsSync(join(dir, 'hub', 'hub.sqlite3'))) {
    const testCa = readFileSync(join(fixturesDir, 'cards', 'keys', 'test-ca.cert.pem'), 'utf8');
    const r = await initHub({ dataDir: join(dir, 'hub'), adminId: 'admin', jpkiCaPem: testCa, allowTestJpkiCa: true });
    writeFileSync(passwordFile, `${r.adminPassword}\n`, { mode: 0o600 });
  }
  if (!existsSync(join(enrollment, 'enrollment.json'))) {
    await enrollVehicle({ dataDir: join(dir, 'hub'), vehicleId: DEMO_VEHICLE, outDir: enrollment, hubUrl: `https://127.0.0.1:${hubPort}`, actor: 'demo' });
  }
  return { adminPassword: readFileSync(passwordFile, 'utf8').trim(), enrollment };
}

/** A demo staff member of city hall, created once, with a password kept like the admin's. */
async function prepareOperator(dir: string, store: import('../hub/store/types').HubStore, who: DemoOperator): Promise<string> {
  const { addOperator } = await import('../hub/server/data-dir');
  const { randomBytes } = await import('node:crypto');
  const passwordFile = join(dir, `${who.role}-password.txt`);
  if (!(await store.transaction((tx) => tx.getOperator(who.id)))) {
    const password = randomBytes(12).toString('base64url');
    await addOperator(store, { ...who, password, actor: 'demo' });
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  return readFileSync(passwordFile, 'utf8').trim();
}

export interface DemoOptions {
  data: string;
  port: number;
  hubPort: number;
  turnPort?: number;
  /** The control page's port (0: any free port). */
  controlPort?: number;
  /** vpcd's port for the virtual card (default: Debian's first vpcd slot). */
  vpcdPort?: number;
}

export async function runDemo(opts: DemoOptions, onSignal: (stop: () => Promise<void>) => void): Promise<void> {
  // The demo prints what to open; routine logs would bury it (ODEKAKE_LOG_LEVEL=info shows them).
  process.env.ODEKAKE_LOG_LEVEL ??= 'warn';
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const printers = await startPrinterEmulators({ dir: join(opts.data, 'printers') });
    stops.push(() => printers.stop());
    const printerConfig = join(opts.data, 'printers.json');
    writeFileSync(printerConfig, JSON.stringify(printers.config, null, 2));

    let cardLine: string;
    let card: DemoCardSlot | null = new DemoCardSlot({ profile: FIRST_CARD, ...(opts.vpcdPort ? { vpcdPort: opts.vpcdPort } : {}) });
    try {
      await card.insert();
      const slot = card;
      stops.push(() => slot.stop());
      const first = card.profiles.find((p) => p.id === FIRST_CARD)!;
      cardLine = `  仮想マイナンバーカード: ${first.name} (架空, 暗証番号 ${first.pin}) をカードリーダーに挿入済み — 抜き差しと住民の切り替えは操作画面で`;
    } catch {
      card.stop();
      card = null;
      cardLine = '  仮想マイナンバーカード: pcscd が動いていないため起動していません (bash scripts/system-daemons.sh)';
    }

    const { adminPassword, enrollment } = await prepareHub(opts.data, opts.hubPort);
    // Video consultations go through the city's TURN relay (coturn), as they would over a carrier network.
    let turnLine: string;
    let turn: Awaited<ReturnType<typeof import('../hub/server/turn').startCoturn>> | null = null;
    try {
      const { startCoturn } = await import('../hub/server/turn');
      turn = await startCoturn({ dir: join(opts.data, 'hub', 'turn'), port: opts.turnPort ?? 8750 });
      stops.push(() => turn?.stop());
      turnLine = `  ビデオ相談の中継 (TURN): ${turn.urls.join(' ')}`;
    } catch (e) {
      turnLine = `  ビデオ相談の中継 (TURN): 起動できませんでした (${(e as Error).message.slice(0, 120)})。ビデオ相談は使えません`;
    }
    // The vehicle reaches city hall and the TURN relay through the demo's network, which the control page
    // can cut. On this one machine the console's calls take the relay the same way, so a cut drops a call
    // on both sides, as losing the relay in the vehicle does.
    const network = await startDemoNetwork({ hubPort: opts.hubPort, ...(turn ? { turnPort: opts.turnPort ?? 8750 } : {}) });
    stops.push(() => network.stop());
    const turnUrls = turn && network.turnPort ? (['udp', 'tcp'] as const).map((t) => `turn:127.0.0.1:${network.turnPort}?transport=${t}`) : [];
    if (turn) turnLine = `  ビデオ相談の中継 (TURN): ${turn.urls[0]} ほか — 画面からはデモの通信 (${turnUrls.join(' ')}) を通ります`;
    const hubOptions = { dataDir: join(opts.data, 'hub'), port: opts.hubPort, allowTestJpkiCa: true, turn: turn ? { urls: turnUrls, secret: turn.secret } : undefined };
    let hub: Awaited<ReturnType<typeof startCityHub>> | null = await startCityHub(hubOptions);
    const firstHub = hub;
    const hubUrl = hub.url;
    stops.push(() => hub?.stop());
    const consultantPassword = await prepareOperator(opts.data, hub.store, DEMO_CONSULTANT);
    const dispatcherPassword = await prepareOperator(opts.data, hub.store, DEMO_DISPATCHER);
    const plannerPassword = await prepareOperator(opts.data, hub.store, DEMO_PLANNER);
    const certificatePassword = await prepareOperator(opts.data, hub.store, DEMO_CERTIFICATE_OPERATOR);
    const taxPassword = await prepareOperator(opts.data, hub.store, DEMO_TAX);
    const seeded = await seedDemoData({ dataDir: opts.data, store: firstHub.store, bookings: firstHub.bookings });

    const { core, host } = await runHost({
      data: join(opts.data, 'terminal'),
      port: opts.port,
      place: 'demo-vehicle',
      staff: join(fixturesDir, 'staff.json'),
      fees: join(fixturesDir, 'fees.json'),
      printers: printerConfig,
      card: card !== null,
      hubEnrollment: enrollment,
      hubUrl: `https://127.0.0.1:${network.hubPort}`,
      hubRetryMax: DEMO_HUB_RETRY_MAX_MS,
    });
    stops.push(() => host.close(), () => core.close());

    const control = await startDemoControl({
      pageDir: join(projectRoot, 'dist', 'renderer', 'demo'),
      port: opts.controlPort ?? 0,
      controls: {
        card,
        printers,
        network,
        hub: {
          running: () => hub !== null,
          stop: async () => {
            const running = hub;
            hub = null;
            await running?.stop();
          },
          start: async () => {
            hub = await startCityHub(hubOptions);
          },
        },
      },
    });
    stops.push(() => control.close());

    const lines = [
      'お出かけ市役所 デモを起動しました。',
      '',
      `  職員画面:     ${host.staffUrl}`,
      `  お客様画面:   ${host.residentUrl}`,
      `  デモの操作:   ${control.url}`,
      '    (カードの抜き差し・住民の切り替え、プリンターの用紙切れ・カバー、車両の通信を切る、ハブを止める)',
      '',
      '  デモ職員: 職員番号 S0001 / PIN 258013 (fixtures/staff.json の架空の職員)',
      '',
      `  市役所の操作画面: ${hubUrl}/`,
      `    証明書の承認・却下 (証明書担当): 職員番号 ${DEMO_CERTIFICATE_OPERATOR.id} / パスワード ${certificatePassword} (架空の職員「${DEMO_CERTIFICATE_OPERATOR.displayName}」)`,
      `    管理 (車両・職員・災害・保留メッセージ・監査ログ): 管理者 admin / パスワード ${adminPassword}`,
      `    ビデオ相談の相談員: 職員番号 ${DEMO_CONSULTANT.id} / パスワード ${consultantPassword} (架空の職員「${DEMO_CONSULTANT.displayName}」)`,
      `    訪問予約 (デマンド運行) の配車担当: 職員番号 ${DEMO_DISPATCHER.id} / パスワード ${dispatcherPassword} (架空の職員「${DEMO_DISPATCHER.displayName}」)`,
      `    実績・日計表を見る企画担当: 職員番号 ${DEMO_PLANNER.id} / パスワード ${plannerPassword} (架空の職員「${DEMO_PLANNER.displayName}」)`,
      `    り災証明書の審査 (税務担当・資産税課): 職員番号 ${DEMO_TAX.id} / パスワード ${taxPassword} (架空の職員「${DEMO_TAX.displayName}」)`,
      `    (ハブ独自の認証局の証明書: ${join(opts.data, 'hub', 'pki', 'ca.crt')} — ブラウザの警告はこの証明書を信頼すると消えます)`,
      `  架空のデータ: 訪問予約 ${seeded.bookings.length}件 (${seeded.bookings.map((b) => `${b.date} ${b.district}`).join('、') || 'なし'})、${seeded.recordsFiscalYear}年度の実績 (月ごと)、災害「${seeded.disaster}」`,
      `  A4プリンター (IPP): ${printers.certificateUri} → 印刷した PDF は ${printers.certificateDir}`,
      `  レシートプリンター (ESC/POS): 127.0.0.1:${printers.receiptPort} → レシートの文字と画像は ${printers.receiptDir}`,
      turnLine,
      cardLine,
      `  データ:       ${opts.data}`,
      '',
      '止めるには Ctrl+C を押してください。',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (e) {
    await stopAll();
    throw e;
  }
  onSignal(stopAll);
}
