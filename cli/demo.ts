// The demo: everything a newcomer needs to try the terminal on one machine, on SQLite.
import { join } from 'node:path';
import { fixturesDir } from './paths';
import { runHost } from './run-host';

export async function runDemo(opts: { data: string; port: number }, onSignal: (stop: () => Promise<void>) => void): Promise<void> {
  const stops: (() => Promise<void> | void)[] = [];
  const { core, host } = await runHost({
    data: join(opts.data, 'terminal'),
    port: opts.port,
    place: 'demo-vehicle',
    staff: join(fixturesDir, 'staff.json'),
    fees: join(fixturesDir, 'fees.json'),
  });
  stops.push(() => host.close(), () => core.close());

  const lines = [
    'お出かけ市役所 デモを起動しました。',
    '',
    `  職員画面:     ${host.staffUrl}`,
    `  お客様画面:   ${host.residentUrl}`,
    '',
    '  デモ職員: 職員番号 S0001 / PIN 2580 (fixtures/staff.json の架空の職員)',
    `  データ:       ${opts.data}`,
    '',
    '止めるには Ctrl+C を押してください。',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  onSignal(async () => {
    for (const stop of stops.reverse()) await stop();
  });
}
