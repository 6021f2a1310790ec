// The demo: everything a newcomer needs to try the whole flow on one machine, on SQLite — the city-hall
// hub with its operator console, the vehicle terminal with its two screens enrolled to it, a real IPP
// printer (ippeveprinter), the receipt printer emulator and a virtual My Number card in the vpcd reader.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrinterEmulators } from '../native/printer/demo';
import { startVirtualCard } from '../native/card/virtual';
import { fixturesDir } from './paths';
import { runHost } from './run-host';
import { startCityHub } from './hub';

const DEMO_VEHICLE = 'demo-vehicle';
/** The demo's consultant and dispatcher (invented people): the video consultation desk and the home-visit bookings. */
const DEMO_CONSULTANT = { id: 'soudan', displayName: '相談 花子', role: 'consultant' } as const;
const DEMO_DISPATCHER = { id: 'haisha', displayName: '配車 次郎', role: 'dispatcher' } as const;
const DEMO_PLANNER = { id: 'kikaku', displayName: '企画 三郎', role: 'planning' } as const;

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
async function prepareOperator(dir: string, store: import('../hub/store/types').HubStore, who: typeof DEMO_CONSULTANT | typeof DEMO_DISPATCHER | typeof DEMO_PLANNER): Promise<string> {
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

export async function runDemo(opts: { data: string; port: number; hubPort: number; turnPort?: number }, onSignal: (stop: () => Promise<void>) => void): Promise<void> {
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
    let cardReady = false;
    try {
      const card = await startVirtualCard({ profile: 'yamazaki-takashi' });
      stops.push(() => card.stop());
      cardReady = true;
      cardLine = '  仮想マイナンバーカード: 山﨑 髙志 (架空, 暗証番号 4721) をカードリーダー「Virtual PCD 00 00」に挿入済み';
    } catch {
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
    const hub = await startCityHub({ dataDir: join(opts.data, 'hub'), port: opts.hubPort, allowTestJpkiCa: true, turn: turn ? { urls: turn.urls, secret: turn.secret } : undefined });
    stops.push(() => hub.stop());
    const consultantPassword = await prepareOperator(opts.data, hub.store, DEMO_CONSULTANT);
    const dispatcherPassword = await prepareOperator(opts.data, hub.store, DEMO_DISPATCHER);
    const plannerPassword = await prepareOperator(opts.data, hub.store, DEMO_PLANNER);

    const { core, host } = await runHost({
      data: join(opts.data, 'terminal'),
      port: opts.port,
      place: 'demo-vehicle',
      staff: join(fixturesDir, 'staff.json'),
      fees: join(fixturesDir, 'fees.json'),
      printers: printerConfig,
      card: cardReady,
      hubEnrollment: enrollment,
      hubUrl: hub.url,
    });
    stops.push(() => host.close(), () => core.close());

    const lines = [
      'お出かけ市役所 デモを起動しました。',
      '',
      `  職員画面:     ${host.staffUrl}`,
      `  お客様画面:   ${host.residentUrl}`,
      '',
      '  デモ職員: 職員番号 S0001 / PIN 258013 (fixtures/staff.json の架空の職員)',
      '',
      `  市役所の操作画面 (承認): ${hub.url}/   管理者 admin / パスワード ${adminPassword}`,
      `    (ハブ独自の認証局の証明書: ${join(opts.data, 'hub', 'pki', 'ca.crt')} — ブラウザの警告はこの証明書を信頼すると消えます)`,
      `  A4プリンター (IPP): ${printers.certificateUri} → 印刷した PDF は ${printers.certificateDir}`,
      `  レシートプリンター (ESC/POS): 127.0.0.1:${printers.receiptPort} → レシートの文字と画像は ${printers.receiptDir}`,
      `  ビデオ相談の相談員: 同じ操作画面に 職員番号 ${DEMO_CONSULTANT.id} / パスワード ${consultantPassword} (架空の職員「${DEMO_CONSULTANT.displayName}」)`,
      `  訪問予約 (デマンド運行) の配車担当: 同じ操作画面に 職員番号 ${DEMO_DISPATCHER.id} / パスワード ${dispatcherPassword} (架空の職員「${DEMO_DISPATCHER.displayName}」)`,
      `  実績・日計表を見る企画担当: 同じ操作画面に 職員番号 ${DEMO_PLANNER.id} / パスワード ${plannerPassword} (架空の職員「${DEMO_PLANNER.displayName}」)`,
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
