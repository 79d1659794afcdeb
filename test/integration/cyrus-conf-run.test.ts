// A cyrus.conf runs under quiesce both ways, read directly (-M) and converted: services, a
// DAEMON, EVENTS with cron= and at= (Cyrus 3.13), and quiesce's SHUTDOWN section, which master
// skips like any unknown section.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ask } from './ask.js';
import { freePort } from '../e2e/harness/ports.js';
import { cleanup, cli, CLI, ev, FIXTURES, readMarks, startQuiesce, tempDir } from './harness.js';

afterAll(cleanup);

const cyrusConf = (dir: string, port: number): string => `
# a cyrus.conf of fixture programs
SERVICES {
  echo        cmd="${FIXTURES}/accept-reply.mjs" listen="127.0.0.1:${port}" prefork=1
}
EVENTS {
  everymin    cmd="${FIXTURES}/mark.mjs everymin" cron="* * * * *"
  nightly     cmd="${FIXTURES}/mark.mjs nightly" at=0401
  weekdays    cmd="${FIXTURES}/mark.mjs weekdays" cron="30 4 1,15 * mon-fri"
}
DAEMON {
  sync        cmd="${FIXTURES}/forever.mjs sync"
}
SHUTDOWN {
  flush       cmd="${FIXTURES}/mark.mjs flush" timeout=10s
}
`;

describe('a cyrus.conf with cron and at events and a SHUTDOWN section', () => {
  it.each([
    ['read directly with master\'s flags', (dir: string, conf: string) => {
      const imapd = join(dir, 'imapd.conf');
      writeFileSync(imapd, `configdirectory: ${join(dir, 'cyrus')}\n`);
      // the children run as quiesce (root here), not as cyrus: the fixtures write into this test's own dir
      return ['run', '-M', conf, '-C', imapd, '-p', join(dir, 'q.pid'), '-l', '64', '--set', 'user=root', '--log-format', 'json'];
    }],
    ['converted by quiesce convert', (dir: string, conf: string) => {
      const r = spawnSync(process.execPath, [CLI, 'convert', conf], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const yaml = join(dir, 'converted.yaml');
      writeFileSync(yaml, r.stdout);
      return ['run', '-c', yaml, '-p', join(dir, 'q.pid'), '--log-format', 'json'];
    }],
  ])('%s: runs, schedules every event, and runs the SHUTDOWN command at the stop', async (_, argsOf) => {
    const dir = tempDir();
    const port = await freePort();
    const conf = join(dir, 'cyrus.conf');
    writeFileSync(conf, cyrusConf(dir, port));
    const q = startQuiesce(dir, conf, argsOf(dir, conf), { MARKER: join(dir, 'marks') });
    await q.waitForLog(ev('supervisor.running'));
    expect(await ask(port)).toMatch(/^\d+$/);
    const status = await cli(['status', '--json', '--socket', join(dir, 'q.sock')]);
    const units = (JSON.parse(status.out) as { units: { name: string; state: string }[] }).units;
    expect(units.filter((u) => ['everymin', 'nightly', 'weekdays'].includes(u.name)).map((u) => [u.name, u.state.split(' ')[0]])).toEqual([
      ['everymin', 'scheduled'], ['nightly', 'scheduled'], ['weekdays', 'scheduled'],
    ]);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(readMarks(join(dir, 'marks')).map((m) => m.what)).toContain('flush');
  });

  it('check of the cyrus.conf lists what Cyrus ignores as warnings and exits 0', async () => {
    const dir = tempDir();
    const conf = join(dir, 'cyrus.conf');
    writeFileSync(conf, cyrusConf(dir, 1143).replace('prefork=1', 'prefork=1 colour=red'));
    writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${join(dir, 'cyrus')}\n`);
    const r = await cli(['check', '-M', conf, '-C', join(dir, 'imapd.conf')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`^${conf}:4:\\d+: SERVICES\\.echo\\.colour: unknown cyrus\\.conf key \`colour\`, dropped \\(warning\\)\\n$`));
  });
});
