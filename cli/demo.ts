// The demo: everything a newcomer needs to try the terminal on one machine, on SQLite — the terminal
// with its two screens, a real IPP printer (ippeveprinter), the receipt printer emulator and a virtual
// My Number card in the vpcd reader.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrinterEmulators } from '../native/printer/demo';
import { startVirtualCard } from '../native/card/virtual';
import { fixturesDir } from './paths';
import { runHost } from './run-host';

export async function runDemo(opts: { data: string; port: number }, onSignal: (stop: () => Promise<void>) => void): Promise<void> {
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

    const { core, host } = await runHost({
      data: join(opts.data, 'terminal'),
      port: opts.port,
      place: 'demo-vehicle',
      staff: join(fixturesDir, 'staff.json'),
      fees: join(fixturesDir, 'fees.json'),
      printers: printerConfig,
      card: cardReady,
    });
    stops.push(() => host.close(), () => core.close());

    const lines = [
      'お出かけ市役所 デモを起動しました。',
      '',
      `  職員画面:     ${host.staffUrl}`,
      `  お客様画面:   ${host.residentUrl}`,
      '',
      '  デモ職員: 職員番号 S0001 / PIN 2580 (fixtures/staff.json の架空の職員)',
      `  A4プリンター (IPP): ${printers.certificateUri} → 印刷した PDF は ${printers.certificateDir}`,
      `  レシートプリンター (ESC/POS): 127.0.0.1:${printers.receiptPort} → レシートの文字と画像は ${printers.receiptDir}`,
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
