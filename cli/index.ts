// `odekake`: the one command-line tool. Each area registers its own subcommands; an area's code is
// loaded only when one of its commands runs, so `odekake host` does not pay for the printer test
// page renderer or the card tools.
import { Command } from 'commander';

interface CommandGroup {
  /** Top-level command names this group registers, with the line `odekake --help` shows. */
  commands: Record<string, string>;
  load(): Promise<(program: Command) => void>;
}

const groups: CommandGroup[] = [
  {
    commands: {
      host: '車載端末の中核処理を Electron なしで起動し、職員画面とお客様画面を 127.0.0.1 で配信します',
      demo: 'デモ一式 (市役所ハブ・端末・プリンタのエミュレータ・仮想カード) を起動し、開く URL を表示します',
      audit: '端末の監査ログを確かめます (verify)',
    },
    load: async () => (await import('./terminal')).registerTerminalCommands,
  },
  {
    commands: { card: 'マイナンバーカード読み取り機の診断 (状態・読み取り・仮想カード)' },
    load: async () => (await import('./card')).registerCardCommands,
  },
  {
    commands: { printer: 'プリンターの診断 (状態・テスト印刷)' },
    load: async () => (await import('./printer')).registerPrinterCommands,
  },
  {
    commands: { hub: '市役所ハブ (初期化・起動・職員の登録)', vehicle: 'ハブに登録する車両 (証明書の発行・失効)' },
    load: async () => (await import('./hub')).registerHubCommands,
  },
];

const program = new Command();
program
  .name('odekake')
  .description('いわき市「お出かけ市役所」車載端末と市役所ハブのコマンド')
  .showHelpAfterError('（--help で使い方を表示します）');

const wanted = process.argv[2];
const group = groups.find((g) => wanted !== undefined && wanted in g.commands);
if (group) {
  (await group.load())(program);
} else {
  // No command (or an unknown one): list every command without loading any of them.
  for (const g of groups) for (const [name, description] of Object.entries(g.commands)) program.command(name).description(description);
}

await program.parseAsync(process.argv);
