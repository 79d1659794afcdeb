#!/usr/bin/env node
// commander: argv -> options -> load config -> run -> exit code. The only file that reads argv or exits.
import { earlySignals } from './first.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { findTagged, signalPid } from './child/kill-tree.js';
import { realClock } from './clock.js';
import { convertCyrusConf } from './convert/cyrus-conf.js';
import { loadConfigFile } from './config/load.js';
import { EXIT, formatDiagnostic, type ExitCode } from './errors.js';
import { createLog, print, type Log } from './log.js';
import { actionFor } from './supervisor/phase.js';
import { acquirePidfile } from './supervisor/pidfile.js';
import { Supervisor } from './supervisor/supervisor.js';
import { SignalRouter } from './signals.js';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

interface RunOptions {
  readonly config: string;
  readonly logFormat: 'json' | 'pretty' | undefined;
}

/** `quiesce check`: every problem at once, exit 0 or 78. */
function check(file: string): ExitCode {
  const loaded = loadConfigFile(file);
  if (!loaded.ok) {
    for (const d of loaded.error) print.err(formatDiagnostic(d));
    print.err(`${file}: ${loaded.error.length} problem(s)`);
    return EXIT.configInvalid;
  }
  const c = loaded.value;
  const counts = `${c.start.length} START, ${c.services.length} SERVICES, ${c.events.length} EVENTS, ${c.daemons.length} DAEMON, ${c.shutdown.length} SHUTDOWN`;
  print.out(`${file}: valid (${counts})`);
  return EXIT.clean;
}

/** `quiesce convert`: cyrus.conf -> quiesce YAML on stdout; problems (unknown keys, ...) on stderr. */
function convert(file: string): ExitCode {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    print.err(`${file}:1:1: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return EXIT.configInvalid;
  }
  const result = convertCyrusConf(text, file);
  print.out(result.yaml);
  for (const d of result.notes) print.err(`${formatDiagnostic(d)} (note)`);
  for (const d of result.problems) print.err(formatDiagnostic(d));
  if (result.problems.length > 0) print.err(`${file}: ${result.problems.length} problem(s), marked with "# quiesce convert:" comments in the YAML; fix them before \`quiesce check\``);
  return result.problems.length > 0 ? EXIT.configInvalid : EXIT.clean;
}

/** `quiesce run`: supervise until a shutdown completes; the exit code says whether failover is safe. */
async function run(opts: RunOptions): Promise<ExitCode> {
  const signals = new SignalRouter(process, ['SIGQUIT', 'SIGTERM', 'SIGINT', 'SIGHUP']);
  const loaded = loadConfigFile(opts.config);
  if (!loaded.ok) {
    for (const d of loaded.error) print.err(formatDiagnostic(d));
    print.err(`${opts.config}: ${loaded.error.length} problem(s); not starting`);
    return EXIT.configInvalid;
  }
  const config = loaded.value;
  const format = opts.logFormat ?? (config.supervisor.logFile === undefined && process.stderr.isTTY ? 'pretty' : 'json');
  let log: Log;
  try {
    log = createLog({ format, file: config.supervisor.logFile });
  } catch (e) {
    print.err(`cannot open log file ${config.supervisor.logFile ?? ''}: ${(e as Error).message}`);
    return EXIT.cannotStart;
  }
  const pidfile = acquirePidfile(config.supervisor.pidfile);
  if (!pidfile.ok) {
    log.emit({ event: 'supervisor.exit', code: EXIT.cannotStart, reason: pidfile.error });
    return EXIT.cannotStart;
  }
  log.emit({ event: 'supervisor.starting', config: config.file, supervisorPid: process.pid, version });
  const supervisor = new Supervisor(config, {
    clock: realClock,
    log,
    loadConfig: (file) => loadConfigFile(file),
    onPhase: (phase) => {
      if (phase.kind === 'running') log.emit({ event: 'supervisor.running', supervisorPid: process.pid, stopHint: `stop gracefully with: kill -QUIT ${process.pid} (fast: kill -TERM ${process.pid})` });
    },
  });
  const dispatch = (e: Parameters<Supervisor['dispatch']>[0]): void => {
    log.emit({ event: 'signal.received', signal: e.trigger, action: actionFor(supervisor.phase.kind, e.kind) });
    supervisor.dispatch(e);
  };
  earlySignals.attach(dispatch);
  signals.attach(dispatch);
  const onFatal = (error: unknown): void => {
    log.emit({ event: 'supervisor.error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    // Children are in their own process groups: do not leave them unsupervised.
    for (const pid of findTagged(supervisor.tagPrefix, true)) signalPid(pid, 'SIGKILL');
    pidfile.value.release();
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  // Signal handlers do not keep Node's event loop alive: a config with no children would let the
  // process end while it waits for a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const result = await supervisor.run();
    log.emit({ event: 'supervisor.exit', code: result.exitCode, reason: result.reason });
    return result.exitCode;
  } finally {
    clearInterval(keepAlive);
    pidfile.value.release();
  }
}

function program(exit: (code: ExitCode) => void): Command {
  const p = new Command('quiesce')
    .description('A supervisor for Cyrus IMAP that stops a replication master cleanly: drain, stop, flush, verify.')
    .version(version)
    .exitOverride()
    .showHelpAfterError();
  p.command('run')
    .description('run the config in the foreground until SIGQUIT (graceful) or SIGTERM/SIGINT (fast)')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .addOption(new Option('--log-format <format>', 'log format (default: pretty on a terminal, json otherwise)').choices(['json', 'pretty']))
    .action(async (o: RunOptions) => exit(await run(o)));
  p.command('check')
    .description('validate a config and print every problem as FILE:LINE:COL: KEY.PATH: message')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .action((o: { config: string }) => exit(check(o.config)));
  p.command('convert')
    .description('print the quiesce YAML equivalent of a Cyrus cyrus.conf (problems go to stderr, exit 78 if any)')
    .argument('<cyrus.conf>', 'the cyrus.conf to convert')
    .action((file: string) => exit(convert(file)));
  p.addHelpText('after', `
Examples:
  quiesce convert /etc/cyrus.conf > /etc/quiesce/cyrus.yaml   switch from Cyrus master
  quiesce check -c /etc/quiesce/cyrus.yaml     validate (exit 0, or 78 with every problem listed)
  quiesce run -c /etc/quiesce/cyrus.yaml       supervise in the foreground
  kill -QUIT $(cat /run/quiesce/cyrus.pid)     graceful stop: exit 0 = safe to fail over

Exit codes: 0 clean, 1 START failed, 3 children needed SIGTERM/SIGKILL, 4 a SHUTDOWN command
failed (NOT safe to fail over), 64 usage, 70 internal error, 75 could not start, 78 invalid config.`);
  return p;
}

async function main(): Promise<void> {
  let code: ExitCode = EXIT.clean;
  try {
    await program((c) => (code = c)).parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.exitCode === 0 ? EXIT.clean : EXIT.usage;
    } else {
      print.err(`quiesce: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      code = EXIT.internal;
    }
  }
  process.exit(code);
}

await main();
