// `npm start` rebuilds the native modules (better-sqlite3, pcsclite) for Electron's own Node ABI.
// Plain Node (tests, host mode, the demo) then cannot load them: rebuild them for this Node first.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const stale = [];
for (const name of ['better-sqlite3', 'pcsclite']) {
  try {
    const mod = require(name);
    if (name === 'better-sqlite3') new mod(':memory:').close();
  } catch (e) {
    if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(String(e?.message))) stale.push(name);
    else if (e?.code !== 'MODULE_NOT_FOUND') throw e;
  }
}
if (stale.length > 0) {
  process.stdout.write(`Node 用にネイティブモジュールを作り直します: ${stale.join(', ')}\n`);
  execSync(`npm rebuild ${stale.join(' ')}`, { stdio: 'inherit' });
}
