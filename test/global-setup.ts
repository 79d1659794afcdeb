// Builds dist/ once before the tests, as `npm run build` does (tsc, then the one-file bundle and
// its code cache, which init/quiesce runs through dist/boot.cjs): integration tests run the built
// CLI, as a user would. Type errors do not stop the build here (tsc still emits); `npm test` fails
// on them in its typecheck step before vitest runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const r = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) console.warn(`global-setup: tsc exited ${r.status ?? r.signal}; dist/ may be incomplete`);
  const b = spawnSync('npm', ['run', '--silent', 'bundle'], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) throw new Error(`global-setup: the bundle (npm run bundle) exited ${b.status ?? b.signal}`);
}
