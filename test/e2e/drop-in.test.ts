// quiesce as a drop-in for Cyrus master, with real Cyrus programs: no child outlives a SIGKILLed
// quiesce, the next one stops what was left and binds; the ready file's life; the proc directory
// that `cyr_info proc` lists; and master.txt, compared with what Cyrus master writes itself.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findTagged } from '../../src/child/kill-tree.js';
import { cleanup, ev, FIXTURES, isAlive, startQuiesce, tempDir, waitForFile, writeConfig } from '../integration/harness.js';
import { CYRUS_GROUP, CYRUS_USER, cyrusBin, describeCyrus } from './harness/cyrus.js';
import { ImapClient } from './harness/imap-client.js';
import { createInstance, type CyrusInstance } from './harness/instance.js';
import { LmtpClient } from './harness/lmtp-client.js';
import { connectOutcome, freePorts } from './harness/ports.js';
import { childrenOf, exitOf, signalGroup, waitForGone } from './harness/process.js';

const run = promisify(execFile);

/** Prometheus text -> family -> its sample lines without the timestamp, and the TYPE/HELP lines. */
function families(text: string): Map<string, { meta: string[]; samples: Map<string, number> }> {
  const out = new Map<string, { meta: string[]; samples: Map<string, number> }>();
  const of = (name: string): { meta: string[]; samples: Map<string, number> } => {
    let f = out.get(name);
    if (f === undefined) out.set(name, (f = { meta: [], samples: new Map() }));
    return f;
  };
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (?:HELP|TYPE) (\S+) /.exec(line);
    const sample = /^(\w+)\{([^}]*)\} (\S+) \d+$/.exec(line);
    if (meta) of(meta[1] as string).meta.push(line);
    else if (sample) of(sample[1] as string).samples.set(sample[2] as string, Number(sample[3]));
    else throw new Error(`not Prometheus text: ${line}`);
  }
  return out;
}

describeCyrus('quiesce as a drop-in for Cyrus master', () => {
  let instance: CyrusInstance;
  let dir: string;
  let imapPort: number;
  let lmtpPort: number;

  beforeEach(async () => {
    instance = await createInstance({ name: 'dropin' });
    [imapPort, lmtpPort] = (await freePorts(2)) as [number, number];
    dir = tempDir();
  });
  afterEach(async () => {
    await cleanup();
    instance.cleanup();
  });

  it('SIGKILLed with imapd (one in a session) and lmtpd serving: no child is left, LMTP refuses, and the next quiesce stops what ignored SIGTERM and binds', async () => {
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", cyrus_config: "${instance.imapdConf}", quit_timeout: 1s, term_timeout: 1s }
SERVICES:
  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 2 }
  lmtp: { cmd: "lmtpd -a", listen: "127.0.0.1:${lmtpPort}", prefork: 1 }
DAEMON:
  stubborn: { cmd: "${FIXTURES}/ignore-all.mjs stubborn" }
`);
    const first = startQuiesce(dir, file);
    await first.waitForLog(ev('supervisor.running'));
    await first.waitForLog((l) => l.event === 'child.output' && l.line === 'ready stubborn', 'the stubborn daemon');
    const session = await ImapClient.connect(imapPort);
    await session.login('cyrus');
    const children = findTagged(`${first.pid}.`, true);
    expect(children.length).toBeGreaterThanOrEqual(4);
    const stubborn = first.logs.find(ev('child.started', { entry: 'stubborn' }))?.pid as number;
    // quiesce's own helpers (the fork server holds the listening sockets the workers get)
    const helpers = childrenOf(first.pid).filter((p) => !children.includes(p));

    first.kill('SIGKILL');
    await first.exited;
    // The Cyrus children run as cyrus through setpriv, which set the parent-death signal after
    // the uid change: the kernel sends them SIGTERM, and imapd ends the session it was in.
    await session.untilClosed(5_000);
    for (const pid of children.filter((p) => p !== stubborn)) expect(await waitForGone(pid, 2_000), `pid ${pid} still alive`).toBe(true);
    expect(isAlive(stubborn)).toBe(true); // it ignores SIGTERM
    // the helpers end on their parent-death signal or on EOF from quiesce: soon, not at once
    for (const pid of helpers) expect(await waitForGone(pid, 2_000), `helper ${pid} still alive`).toBe(true);
    expect(await connectOutcome(lmtpPort)).toBe('ECONNREFUSED');

    const second = startQuiesce(dir, file);
    const found = await second.waitForLog(ev('leftovers.found'));
    expect(found).toMatchObject({ previousPid: first.pid, stopping: [stubborn] });
    expect(await second.waitForLog(ev('leftovers.stopped'))).toMatchObject({ pids: [stubborn], killed: [stubborn] });
    await second.waitForLog(ev('supervisor.running'));
    const lmtp = await LmtpClient.connect(lmtpPort);
    await lmtp.quit();
    second.kill('SIGQUIT');
    expect((await second.exited).code).toBe(3); // stubborn ignores SIGQUIT and SIGTERM again: SIGKILL
    expect(findTagged(`${second.pid}.`, true).filter(isAlive)).toEqual([]);
  });

  it('the ready file appears once START is done and every service listens, and goes once the stop has finished; DAEMON and EVENTS children are in the proc directory', async () => {
    const ready = join(instance.confDir, 'master.ready');
    const marks = join(dir, 'marks');
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", cyrus_config: "${instance.imapdConf}" }
START:
  check: { cmd: "test -e ${ready} && echo start-saw-ready >> ${marks} || echo start-saw-none >> ${marks}", shell: true }
SERVICES:
  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 1 }
EVENTS:
  tick: { cmd: "${FIXTURES}/forever.mjs tick", cron: "0 0 1 1 *" }
DAEMON:
  idled: { cmd: "idled" }
SHUTDOWN:
  check: { cmd: "test -e ${ready} && echo shutdown-saw-ready >> ${marks} || echo shutdown-saw-none >> ${marks}", shell: true, user: root }
`.replace('check: { cmd: "test -e', 'check0: { cmd: "test -e'));
    const q = startQuiesce(dir, file);
    await q.waitForLog(ev('supervisor.running'));
    expect(existsSync(ready)).toBe(true);
    const idled = q.logs.find(ev('child.started', { entry: 'idled' }))?.pid as number;
    const proc = await run(cyrusBin('cyr_info'), ['-C', instance.imapdConf, 'proc'], { encoding: 'utf8' });
    expect(proc.stdout).toMatch(new RegExp(`^${idled} idled`, 'm'));
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(existsSync(ready)).toBe(false);
    expect(readFileSync(marks, 'utf8')).toBe('start-saw-none\nshutdown-saw-ready\n');
    expect(existsSync(join(instance.confDir, 'proc', String(idled)))).toBe(false);
  });

  it('writes master.txt with the families, labels and values Cyrus master writes for the same cyrus.conf', async () => {
    const cyrusConf = join(dir, 'cyrus.conf');
    writeFileSync(cyrusConf, `SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:${imapPort}" prefork=2 maxchild=10\n}\nDAEMON {\n  idled cmd="idled"\n}\n`);
    // Prometheus on, its directory made as Cyrus makes it (3.6 has no default for it)
    const stats = join(instance.confDir, 'stats');
    appendFileSync(instance.imapdConf, `prometheus_enabled: yes\nprometheus_stats_dir: ${stats}\nprometheus_master_update_freq: 1s\n`);
    mkdirSync(stats);
    execFileSync('chown', [`${CYRUS_USER}:${CYRUS_GROUP}`, stats]);
    const report = join(stats, 'master.txt');
    const stable = /cyrus_master_ready_workers\{service="imap",family="ipv4"\} 2 /;

    // Cyrus master itself, in the foreground (-D), in its own process group
    const master = spawn(cyrusBin('master'), ['-C', instance.imapdConf, '-M', cyrusConf, '-p', join(dir, 'master.pid'), '-D'], { detached: true, stdio: 'ignore' });
    let masterText: string;
    try {
      masterText = await waitForFile(report, stable, 20_000);
    } finally {
      signalGroup(master.pid ?? -1, 'SIGTERM');
      await exitOf(master, 20_000);
    }
    rmSync(report);

    const q = startQuiesce(dir, cyrusConf, ['run', '-M', cyrusConf, '-C', instance.imapdConf, '-p', join(dir, 'q.pid'), '--log-format', 'json']);
    await q.waitForLog(ev('supervisor.running'));
    const ours = await waitForFile(report, stable, 20_000);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);

    const theirs = families(masterText);
    const mine = families(ours);
    expect([...mine.keys()]).toEqual([...theirs.keys()]);
    for (const [name, f] of theirs) {
      expect({ name, meta: mine.get(name)?.meta }).toEqual({ name, meta: f.meta });
      expect({ name, labels: [...(mine.get(name)?.samples.keys() ?? [])].sort() }).toEqual({ name, labels: [...f.samples.keys()].sort() });
    }
    // what a dashboard reads of a quiet pool is the same number on both sides
    for (const name of ['cyrus_master_ready_workers', 'cyrus_master_active_children', 'cyrus_master_max_children', 'cyrus_master_max_forks_per_second', 'cyrus_master_ready_fails_total']) {
      expect({ name, values: Object.fromEntries(mine.get(name)?.samples ?? []) }).toEqual({ name, values: Object.fromEntries(theirs.get(name)?.samples ?? []) });
    }
  });
});
