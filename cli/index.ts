// `odekake`: the one command-line tool. Each area registers its own subcommands.
import { Command } from 'commander';
import { registerCardCommands } from './card';
import { registerPrinterCommands } from './printer';
import { registerTerminalCommands } from './terminal';

const program = new Command();
program
  .name('odekake')
  .description('いわき市「お出かけ市役所」車載端末と市役所ハブのコマンド')
  .showHelpAfterError('（--help で使い方を表示します）');

registerTerminalCommands(program);
registerCardCommands(program);
registerPrinterCommands(program);

await program.parseAsync(process.argv);
