// The host listens before the core is open: the screens load and connect at once, and their calls are
// answered when the core is there (or the socket closes if it cannot open).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { TerminalCore } from '../../electron/core/terminal';
import { startHost, type RunningHost } from '../../electron/host';
import { demoStaff, makeCore, projectRoot, tempDir } from '../support/fixtures';
import { ContractClient } from '../support/host';

const rendererDir = join(projectRoot, 'dist', 'renderer', 'terminal');
const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function deferredCore(): { promise: Promise<TerminalCore>; open(core: TerminalCore): void; fail(e: Error): void } {
  let open!: (core: TerminalCore) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<TerminalCore>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

describe('host opening its core behind the server', () => {
  it('serves the staff page and accepts its socket before the core is open, and answers the waiting call once it is', async () => {
    const tmp = tempDir();
    const opening = deferredCore();
    const host: RunningHost = await startHost({ core: opening.promise, rendererDir, logger: silentLogger });
    cleanup.push(async () => host.close(), async () => tmp.remove());

    const page = await fetch(`http://127.0.0.1:${host.port}/staff`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('staff-boot.js');
    await expect(ContractClient.connect(host.port, 'f'.repeat(48))).rejects.toThrow(/refused/);
    const staff = await ContractClient.connect(host.port, tokenOf(host.staffUrl));
    cleanup.push(async () => staff.close());

    let answered = false;
    const session = staff.call('getSession', {}).then((r) => ((answered = true), r));
    // Another round trip through the same server: the call is still waiting for the core.
    expect((await fetch(`http://127.0.0.1:${host.port}/staff-boot.js`)).status).toBe(200);
    expect(answered).toBe(false);

    const { core } = makeCore(tmp.dir);
    cleanup.push(async () => core.close());
    opening.open(core);
    expect(await session).toMatchObject({ ok: true, value: { signedIn: false } });
    expect(await staff.call('signIn', demoStaff)).toMatchObject({ ok: true, value: { signedIn: true } });
  });

  it('closes the screens\' sockets when the core cannot open', async () => {
    const opening = deferredCore();
    const host = await startHost({ core: opening.promise, rendererDir, logger: silentLogger });
    cleanup.push(async () => host.close());
    const staff = await ContractClient.connect(host.port, tokenOf(host.staffUrl));
    const closed = new Promise<number>((r) => staff.ws.once('close', (code) => r(code)));
    const call = staff.call('getSession', {});
    opening.fail(new Error('鍵ファイルが読めません'));
    expect(await closed).toBe(1011);
    expect(await call).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
  });
});
