// `quiesce run`: the composition root. Config, log, pidfile, the supervisor, and the operator
// surface around it (control socket, report, metrics, systemd notify, syslog sink), in the order
// they must start and stop.
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { realClock } from './clock.js';
import { loadConfigFile } from './config/load.js';
import type { ConfigSource } from './config/command-line.js';
import type { Config } from './config/types.js';
import { findLeftovers, stopLeftovers } from './ops/leftovers.js';
import { startCyrusUpkeep } from './ops/cyrus-upkeep.js';
import { createNotifier, notificationFor } from './ops/notify.js';
import { launcherOf } from './ops/launcher.js';
import { ForkServers } from './child/fork-servers.js';
import { buildShutdownReport, writeReportAtomically } from './ops/report.js';
import { startSyslogSink } from './ops/syslog-sink.js';
import { startControlServer } from './control/server.js';
import { err, formatDiagnostic, ok } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { createReadyFile, removeReadyFile } from './ops/ready-file.js';
import { createLog, print, type Log, type LogLevel } from './log.js';
import { SignalRouter } from './signals.js';
import type { SupervisorEvent } from './supervisor/phase.js';
import { acquirePidfile } from './supervisor/pidfile.js';
import { Supervisor, type RunResult } from './supervisor/supervisor.js';
import { stopTaggedNow } from './child/kill-tree.js';
import { FATAL, onFatal, reportFatalTo } from './fatal.js';

/** Set to `reload`, it makes the next reload throw, as a bug would (tests of exit 70). */
const FAILPOINT_ENV = 'QUIESCE_FAILPOINT';

/** What `quiesce run` was asked for on the command line. */
export interface RunOptions {
  /** The config file and the SUPERVISOR settings of the command line. */
  readonly source: ConfigSource;
  readonly logFormat: 'json' | 'pretty' | undefined;
  readonly logLevel: LogLevel;
  readonly version: string;
  /** Every signal's handler, installed before anything else was loaded (first.ts). */
  readonly signals: SignalRouter;
}

/** Optional services around the supervisor; each can fail without stopping it (logged loudly). */
async function startOperatorSurface(config: Config, supervisor: Supervisor, log: Log, dispatch: (e: SupervisorEvent) => void, finished: Promise<{ exitCode: number; verdict: string }>, version: string) {
  const s = config.supervisor;
  const closers: (() => Promise<void> | void)[] = [];
  const control = await startControlServer(s.controlSocket, { status: () => supervisor.status(version), dispatch, actionOf: (kind) => supervisor.actionOf(kind), subscribe: (l) => log.subscribe(l), finished });
  if (control.ok) {
    log.emit({ event: 'control.listening', path: s.controlSocket });
    closers.push(() => control.value.close());
  } else log.emit({ event: 'control.failed', path: s.controlSocket, message: control.error });
  if (s.metricsPort > 0) {
    // prom-client and node:http only for an instance that serves metrics.
    const [{ QuiesceMetrics }, { startMetricsServer }] = await Promise.all([import('./ops/metrics.js'), import('./ops/metrics-server.js')]);
    const metrics = new QuiesceMetrics(() => supervisor.status(version));
    closers.push(log.subscribe((e) => metrics.observe(e)));
    const server = await startMetricsServer(metrics, s.metricsPort);
    if (server.ok) {
      log.emit({ event: 'metrics.listening', address: `127.0.0.1:${s.metricsPort}` });
      closers.push(() => server.value.close());
    } else log.emit({ event: 'metrics.failed', message: server.error });
  }
  const notifier = createNotifier({ env: process.env, onProblem: (message) => log.emit({ event: 'notify.unavailable', message }) });
  if (notifier.enabled) {
    let last: Promise<void> = Promise.resolve();
    closers.push(log.subscribe((e) => {
      const lines = notificationFor(e);
      if (lines !== undefined) last = notifier.send(lines);
    }));
    closers.push(() => last);
  }
  if (s.syslogSocket !== undefined) {
    const sink = await startSyslogSink(s.syslogSocket, {
      onRecord: (r) => log.emit({ event: 'syslog.line', program: r.program ?? '-', pid: r.pid ?? null, severity: r.severity, message: r.message }),
      onExit: (reason) => log.emit({ event: 'syslog.lost', reason }),
    });
    if (sink.ok) {
      log.emit({ event: 'syslog.listening', path: s.syslogSocket });
      closers.push(() => sink.value.close());
    } else log.emit({ event: 'syslog.failed', path: s.syslogSocket, message: sink.error });
  }
  return { close: async () => { for (const c of closers.reverse()) await c(); } };
}

/** Writes the shutdown report; a failure is logged, never fatal. */
async function writeReport(result: RunResult, config: Config, log: Log, version: string): Promise<void> {
  if (result.report === undefined) return;
  const doc = buildShutdownReport(result.report, { supervisorPid: process.pid, config: config.file, version, hostname: hostname(), writtenAtMs: realClock.now() });
  const written = await writeReportAtomically(config.supervisor.reportFile, doc);
  if (written.ok) log.emit({ event: 'report.written', file: config.supervisor.reportFile, safeToFailOver: doc.verdict.safeToFailOver });
  else log.emit({ event: 'report.failed', file: config.supervisor.reportFile, message: written.error });
}

/**
 * Processes left by a quiesce that died (SIGKILL, OOM) are reported; those of this config's previous
 * quiesce (the pid in its stale pidfile) are stopped before anything binds, since they may hold
 * its sockets and still serve unsupervised.
 */
async function stopWhatTheDeadLeft(previousPid: number | undefined, log: Log): Promise<void> {
  const leftovers = findLeftovers();
  if (leftovers.length === 0) return;
  const mine = leftovers.filter((l) => l.supervisorPid === previousPid).map((l) => l.pid);
  log.emit({ event: 'leftovers.found', pids: leftovers.map((l) => l.pid), cmdlines: leftovers.map((l) => l.cmdline), previousPid: previousPid ?? null, stopping: mine });
  if (mine.length === 0) return;
  const began = realClock.now();
  const killed = await stopLeftovers(mine, realClock);
  log.emit({ event: 'leftovers.stopped', pids: mine, killed, durationMs: realClock.now() - began });
}

/** Supervises until a shutdown completes; resolves with the documented exit code. */
export async function runInstance(opts: RunOptions): Promise<ExitCode> {
  const signals = opts.signals;
  const load = (file: string) => loadConfigFile(file, { commandLine: opts.source.commandLine });
  const loaded = load(opts.source.file);
  if (!loaded.ok) {
    for (const d of loaded.error) print.err(formatDiagnostic(d));
    print.err(`${opts.source.file}: ${loaded.error.length} problem(s); not starting`);
    return EXIT.configInvalid;
  }
  const config = loaded.value;
  if (config.supervisor.gracefulSignal === 'SIGTERM') signals.remap('SIGTERM', { kind: 'shutdown', mode: 'graceful', trigger: 'SIGTERM' });
  const format = opts.logFormat ?? (config.supervisor.logFile === undefined && process.stderr.isTTY ? 'pretty' : 'json');
  const created = await createLog({ format, file: config.supervisor.logFile, level: opts.logLevel });
  if (!created.ok) {
    print.err(created.error);
    return EXIT.cannotStart;
  }
  const log = created.value;
  const pidfile = acquirePidfile(config.supervisor.pidfile);
  if (!pidfile.ok) {
    log.emit({ event: 'supervisor.exit', code: EXIT.cannotStart, reason: pidfile.error });
    return EXIT.cannotStart;
  }
  log.emit({ event: 'supervisor.starting', config: config.file, supervisorPid: process.pid, version: opts.version });
  for (const w of config.warnings) log.emit({ event: 'config.warning', file: config.file, diagnostic: formatDiagnostic(w) });
  await stopWhatTheDeadLeft(pidfile.value.previousPid, log);
  const launcher = launcherOf(config);
  if (!launcher.ok) {
    log.emit({ event: 'supervisor.exit', code: EXIT.cannotStart, reason: launcher.error });
    pidfile.value.release();
    return EXIT.cannotStart;
  }
  const readyFile = config.supervisor.readyFile;
  const forkServers = new ForkServers({ wrap: (argv) => launcher.value.wrapHelper(argv), onError: (message) => log.emit({ event: 'supervisor.fork-server-error', message }) });
  const supervisor = new Supervisor(config, {
    forkServers,
    clock: realClock,
    log,
    loadConfig: (file) => {
      // A fault injected by the tests of the fatal path (README "Exit codes", 70): a bug in a reload.
      if (process.env[FAILPOINT_ENV] === 'reload') throw new Error(`${FAILPOINT_ENV}=reload: an injected internal error`);
      const next = load(file);
      const refused = next.ok ? launcher.value.refuses(next.value) : undefined;
      return refused === undefined ? next : err([{ file, line: 1, col: 1, path: 'SUPERVISOR.user', message: refused }]);
    },
    launch: launcher.value,
    markReady: () => (readyFile === undefined ? ok(undefined) : createReadyFile(readyFile)),
    onPhase: (phase) => {
      if (phase.kind === 'running') log.emit({ event: 'supervisor.running', supervisorPid: process.pid, stopHint: `stop gracefully with: kill -QUIT ${process.pid} or quiesce stop -c ${config.file}` });
    },
  });
  const dispatch = (e: SupervisorEvent): void => {
    if (e.kind !== 'stray-signal') log.emit({ event: 'signal.received', signal: e.trigger, action: supervisor.actionOf(e.kind) });
    supervisor.dispatch(e);
  };
  let finish: (r: { exitCode: number; verdict: string }) => void = () => undefined;
  const finished = new Promise<{ exitCode: number; verdict: string }>((r) => (finish = r));
  const surface = await startOperatorSurface(config, supervisor, log, dispatch, finished, opts.version);
  const upkeep = config.cyrus === undefined ? undefined : startCyrusUpkeep({
    config: () => supervisor.config, units: () => supervisor.status(opts.version).units, owner: () => launcher.value.ownerOf(supervisor.config.supervisor.user), log, clock: realClock,
  });
  // A bug thrown past every handler (cli.ts then exits 70): children are in their own process
  // groups, so they are stopped here, bounded; the pidfile and the control socket are released.
  const fatalCleanups = [
    reportFatalTo((message) => log.emit({ event: 'supervisor.error', message })),
    onFatal(() => stopTaggedNow(supervisor.tagPrefix, FATAL.termGraceMs, FATAL.pollMs)),
    onFatal(() => pidfile.value.release()),
    onFatal(() => forkServers.close()),
    onFatal(() => readyFile !== undefined && removeReadyFile(readyFile)),
    onFatal(() => rmSync(config.supervisor.controlSocket, { force: true })),
  ];
  signals.attach(dispatch);
  // Signal handlers do not keep Node's event loop alive: a config with no children would let the
  // process end while it waits for a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const result = await supervisor.run();
    // the shutdown has finished (Cyrus 3.12): tooling that waits for the ready file to go may go on
    if (readyFile !== undefined) removeReadyFile(readyFile);
    await writeReport(result, supervisor.config, log, opts.version);
    log.emit({ event: 'supervisor.exit', code: result.exitCode, reason: result.reason });
    finish({ exitCode: result.exitCode, verdict: result.reason });
    // Let the control server write its `done` line to `quiesce stop` clients before it closes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    upkeep?.close();
    await surface.close();
    return result.exitCode;
  } finally {
    clearInterval(keepAlive);
    forkServers.close();
    signals.close();
    pidfile.value.release();
    for (const unregister of fatalCleanups) unregister();
  }
}
