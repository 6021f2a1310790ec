/**
 * The dependency direction of docs/architecture.md:
 *   protocol ← electron/core ← electron/main|host;  protocol ← native ← electron/core (interfaces);
 *   protocol ← hub;  protocol ← renderer.  Nothing imports renderer; hub and electron never meet.
 *   common/ (clock, SQLite and migrations) sits beside protocol for the core and the hub, which share
 *   that infrastructure but must not import each other.
 */
module.exports = {
  forbidden: [
    { name: 'protocol-is-pure', severity: 'error', comment: 'protocol/ holds the contracts and the rules both sides apply: no app code, no I/O modules',
      from: { path: '^protocol/' }, to: { path: '^(electron|native|hub|renderer|cli)/|^node:|^(fs|net|http|child_process)$' } },
    { name: 'core-without-electron', severity: 'error', comment: 'the terminal core runs under plain Node too',
      from: { path: '^electron/core/' }, to: { path: '^electron$|node_modules/electron/' } },
    { name: 'core-below-shell', severity: 'error', comment: 'core does not import its own shells (main, preload, host)',
      from: { path: '^electron/core/' }, to: { path: '^electron/[^/]+\\.ts$' } },
    { name: 'native-below-core', severity: 'error', comment: 'hardware adapters depend on protocol only (and their own files)',
      from: { path: '^native/' }, to: { path: '^(electron|hub|renderer|cli)/' } },
    { name: 'common-is-infrastructure', severity: 'error', comment: 'common/ serves the terminal core and the hub alike: it knows neither',
      from: { path: '^common/' }, to: { path: '^(electron|native|hub|renderer|cli)/' } },
    { name: 'nobody-imports-renderer', severity: 'error',
      from: { pathNot: '^renderer/' }, to: { path: '^renderer/' } },
    { name: 'renderer-only-protocol', severity: 'error', comment: 'screens talk to the core through the contract only',
      from: { path: '^renderer/' }, to: { path: '^(electron|native|hub|cli)/|^node:' } },
    { name: 'hub-not-electron', severity: 'error', from: { path: '^hub/' }, to: { path: '^electron/' } },
    { name: 'electron-not-hub', severity: 'error', from: { path: '^electron/' }, to: { path: '^hub/' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
