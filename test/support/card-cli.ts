// Runs only the `card` commands of the CLI, so card tests do not depend on the rest of the tool.
import { Command } from 'commander';
import { registerCardCommands } from '../../cli/card';

const program = new Command().name('odekake');
registerCardCommands(program);
await program.parseAsync(process.argv);
