// Runs only the `printer` commands of the CLI, so printer tests do not depend on the rest of the tool.
import { Command } from 'commander';
import { registerPrinterCommands } from '../../cli/printer';

const program = new Command().name('odekake');
registerPrinterCommands(program);
await program.parseAsync(process.argv);
