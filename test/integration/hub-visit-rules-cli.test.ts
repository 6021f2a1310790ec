// `odekake hub start` reads the visit rules before anything opens: a bad file stops the start with the
// field named in Japanese, and nothing is left listening.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, tempDir } from '../support/fixtures';
import { cliPath } from '../support/host';

const tmp = tempDir('odekake-rules-cli-');
afterAll(() => tmp.remove());

describe('hub start with a bad visit rules file', () => {
  it('refuses to start and names the field', () => {
    const dataDir = join(tmp.dir, 'hub');
    const init = spawnSync(process.execPath, [cliPath, 'hub', 'init', '--data', dataDir, '--password-stdin'], { input: 'admin-password-for-tests\n', encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    const rules = JSON.parse(readFileSync(join(projectRoot, 'fixtures', 'visit-rules.json'), 'utf8'));
    rules.slots.pm1.start = '25:00';
    delete rules.horizonDays;
    const bad = join(tmp.dir, 'visit-rules.json');
    writeFileSync(bad, JSON.stringify(rules));
    const r = spawnSync(process.execPath, [cliPath, 'hub', 'start', '--data', dataDir, '--port', '0', '--visit-rules', bad], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[VISIT_RULES_INVALID]');
    expect(r.stderr).toContain('slots.pm1.start');
    expect(r.stderr).toContain('horizonDays がありません');
    expect(r.stdout).not.toContain('市役所ハブ:');
  });
});
