// Power-cut safety: the host is SIGKILLed at random moments while 1,000 requests are written through
// the contract. Every write the host acknowledged must be there, whole; nothing may be half-written.
import { describe, expect, it } from 'vitest';
import { RequestInput } from '../../protocol/request';
import { demoStaff, juminhyoRequest, makeCore, tempDir } from '../support/fixtures';
import { ContractClient, startHostProcess } from '../support/host';

const TOTAL = 1000;

describe('crash safety of the terminal store', () => {
  it('keeps every acknowledged write intact and no half-written request across random SIGKILLs', async () => {
    const tmp = tempDir();
    const acked = new Map<string, { name: string; identity: boolean }>();
    const inFlight = new Set<string>(); // names sent whose answer never came back
    let kills = 0;
    let seed = 20261124;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

    try {
      while (acked.size < TOTAL) {
        const host = await startHostProcess(tmp.dir);
        const client = await ContractClient.connect(host.port, host.tokens.staff);
        expect((await client.call('signIn', demoStaff)).ok).toBe(true);
        let killed = false;
        const killer =
          kills < 8
            ? setTimeout(() => {
                killed = true;
                kills++;
                host.proc.kill('SIGKILL');
              }, 30 + random() * 400)
            : null;
        while (acked.size < TOTAL && !killed) {
          const i = acked.size + inFlight.size;
          const name = `架空 太郎${i}`;
          inFlight.add(name);
          const created = await client.call('createRequest', juminhyoRequest({ subject: { ...juminhyoRequest().subject, name } }));
          if (!created.ok) break; // the host died under us: the write may or may not have landed
          inFlight.delete(name);
          let identity = false;
          if (i % 4 === 0) {
            const checked = await client.call('checkIdentity', { id: created.value.id, identity: { documents: [{ kind: 'passport', last4: String(1000 + (i % 9000)) }] } });
            identity = checked.ok;
          }
          acked.set(created.value.id, { name, identity });
        }
        if (killer) clearTimeout(killer);
        client.close();
        await host.stop(killed ? 'SIGKILL' : 'SIGTERM');
      }
      expect(kills).toBeGreaterThanOrEqual(3);

      const { core } = makeCore(tmp.dir);
      try {
        const rows = core.db.prepare('SELECT id, step FROM requests').all() as { id: string; step: string }[];
        const creates = new Set(
          (core.db.prepare("SELECT request_id FROM audit_log WHERE action = 'request.create'").all() as { request_id: string }[]).map((r) => r.request_id),
        );
        const checks = new Set(
          (core.db.prepare("SELECT request_id FROM audit_log WHERE action = 'request.identity_checked'").all() as { request_id: string }[]).map((r) => r.request_id),
        );
        for (const [id, sent] of acked) {
          const detail = core.requests.detail(id, 'test');
          expect(RequestInput.parse(detail.input).subject.name).toBe(sent.name);
          if (sent.identity) expect(detail.step).toBe('identity_checked');
        }
        for (const { id, step } of rows) {
          // A row exists only with its audit record, and a step only with the data it needs.
          expect(creates.has(id)).toBe(true);
          const detail = core.requests.detail(id, 'test');
          if (!acked.has(id)) expect(inFlight.has(detail.input.subject.name)).toBe(true);
          if (step === 'identity_checked') {
            expect(detail.identity?.documents).toHaveLength(1);
            expect(checks.has(id)).toBe(true);
          }
        }
        expect(rows.length - acked.size).toBeLessThanOrEqual(kills);
        expect(core.audit.verify()).toMatchObject({ ok: true });
        expect(core.db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        await core.close();
      }
    } finally {
      tmp.remove();
    }
  }, 240_000);
});
