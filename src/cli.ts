#!/usr/bin/env node
// commander: argv -> options -> the command -> exit code. The only file that reads argv or exits.
import { earlySignals } from './first.js';
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { readConfigText } from './config/text-file.js';
import type { ConfigOptions, ConfigSource } from './config/command-line.js';
import { realClock } from './clock.js';
import { parseDuration } from './config/fields.js';
import { formatDiagnostic } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { runFatalPath, reportFatalTo } from './fatal.js';
import { LOG_LEVELS, print, type LogLevel } from './log.js';
import { needsInitShim, runUnderInitShim } from './ops/init-shim.js';
import { COMPARE_DEFAULTS, DEFAULT_CYRUS_CONF, FLUSH_DEFAULTS, START_DEFAULTS } from './defaults.js';
import type { CompareCommandOptions } from './compare/compare-command.js';
// The modules of each command are imported by its action: a supervisor (`run`) does not keep
// convert, plan, the control client, swap and its execa in memory for its lifetime, and the short
// commands (flush above all, a SHUTDOWN step of every stop; status, stop) start without the config
// loader (zod, yaml) and the supervisor: measured 0.09 s instead of 0.2 s for `quiesce flush`.
const commandLine = () => import('./config/command-line.js');
const configLoader = () => import('./config/load.js');

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** The config and command-line settings of a command, or the usage error (printed). */
async function sourceOf(o: ConfigOptions): Promise<ConfigSource | ExitCode> {
  const source = (await commandLine()).configSource(o);
  if (source.ok) return source.value;
  print.err(source.error);
  return EXIT.usage;
}

/** `quiesce check`: every problem at once, exit 0 or 78; what a cyrus.conf has that Cyrus ignores is a warning. */
async function check(source: ConfigSource): Promise<ExitCode> {
  const loaded = (await configLoader()).loadConfigFile(source.file, { commandLine: source.commandLine });
  if (!loaded.ok) {
    for (const d of loaded.error) print.err(formatDiagnostic(d));
    print.err(`${source.file}: ${loaded.error.length} problem(s)`);
    return EXIT.configInvalid;
  }
  const c = loaded.value;
  for (const w of c.warnings) print.err(`${formatDiagnostic(w)} (warning)`);
  const counts = `${c.start.length} START, ${c.services.length} SERVICES, ${c.events.length} EVENTS, ${c.daemons.length} DAEMON, ${c.shutdown.length} SHUTDOWN`;
  print.out(`${source.file}: valid (${counts})${c.warnings.length > 0 ? `, ${c.warnings.length} warning(s)` : ''}`);
  return EXIT.clean;
}

/** The options that say which config a command reads: quiesce's, and Cyrus master's own flags. */
function withConfigOptions(c: Command): Command {
  return c
    .option('-c, --config <file>', 'config file: quiesce YAML, or a cyrus.conf (read directly)')
    .option('-M, --master-conf <file>', `a cyrus.conf, as master's -M (default ${DEFAULT_CYRUS_CONF} when no -c)`)
    .option('-C, --imapd-conf <file>', 'the instance\'s imapd.conf (SUPERVISOR.cyrus_config), as master\'s -C')
    .option('-l, --listen-queue <n>', 'listen backlog (SUPERVISOR.listen_backlog), as master\'s -l')
    .option('-p, --pidfile <file>', 'pidfile (SUPERVISOR.pidfile), as master\'s -p')
    .option('-r, --ready-file <file>', 'ready file (SUPERVISOR.ready_file), as master\'s -r')
    .option('-D', 'accepted for master\'s command line: quiesce always stays in the foreground')
    .option('--set <key=value>', 'a SUPERVISOR setting (repeatable); overrides the file', (v: string, prev: string[]) => [...prev, v], [] as string[]);
}

/** `quiesce convert`: cyrus.conf -> quiesce YAML on stdout; notes and problems on stderr. */
async function convert(file: string): Promise<ExitCode> {
  const text = readConfigText(file);
  if (!text.ok) {
    for (const d of text.error) print.err(formatDiagnostic(d));
    return EXIT.configInvalid;
  }
  const { convertCyrusConf } = await import('./convert/cyrus-conf.js');
  const result = convertCyrusConf(text.value, file);
  print.out(result.yaml);
  for (const d of result.notes) print.err(`${formatDiagnostic(d)} (note)`);
  for (const d of result.problems) print.err(formatDiagnostic(d));
  if (result.problems.length > 0) print.err(`${file}: ${result.problems.length} problem(s), marked with "# quiesce convert:" comments in the YAML; fix them before \`quiesce check\``);
  return result.problems.length > 0 ? EXIT.configInvalid : EXIT.clean;
}

/** The control socket of an instance: --socket, or the one its config names. */
async function socketOf(o: ConfigOptions & { socket?: string }): Promise<string | ExitCode> {
  if (o.socket !== undefined) return o.socket;
  if (o.config === undefined && o.masterConf === undefined) {
    print.err('say which instance: -c FILE (its config), -M CYRUS.CONF, or --socket PATH');
    return EXIT.usage;
  }
  const source = await sourceOf(o);
  if (typeof source === 'number') return source;
  // Only what locates the socket must be valid: an instance whose file was broken since must stay reachable.
  const socket = (await import('./config/instance-socket.js')).controlSocketOf(source.file, source.commandLine);
  if (!socket.ok) {
    for (const d of socket.error) print.err(formatDiagnostic(d));
    return EXIT.configInvalid;
  }
  return socket.value;
}

/** The control client's commands (status, stop, reload, escalate), loaded when one runs. */
const controlCommands = () => import('./control/commands.js');

/** Runs a control command against the instance named by -c or --socket. */
const control = async (o: ConfigOptions & { socket?: string }, run: (socket: string) => Promise<number>): Promise<number> => {
  const socket = await socketOf(o);
  return typeof socket === 'string' ? run(socket) : socket;
};

function program(exit: (code: number) => void): Command {
  const p = new Command('quiesce')
    .description('A supervisor for Cyrus IMAP that stops a replication master cleanly: drain, stop, flush, verify.')
    .version(version)
    .exitOverride()
    .showHelpAfterError();
  withConfigOptions(p.command('run').description('run the config in the foreground until SIGQUIT (graceful) or SIGTERM/SIGINT (fast)'))
    .addOption(new Option('--log-format <format>', 'log format (default: pretty on a terminal, json otherwise)').choices(['json', 'pretty']))
    .addOption(new Option('--log-level <level>', 'lowest level logged; debug adds every worker start and normal exit').choices([...LOG_LEVELS]).env('QUIESCE_LOG_LEVEL').default('info'))
    .action(async (o: ConfigOptions & { logFormat?: 'json' | 'pretty'; logLevel: LogLevel }) => {
      // As PID 1 (a container), quiesce runs under a small init that reaps orphaned grandchildren.
      if (needsInitShim(process.pid, process.env)) {
        earlySignals.close(); // the shim forwards signals to the real supervisor
        exit(await runUnderInitShim([process.execPath, ...process.execArgv, ...process.argv.slice(1)], { signals: process, env: process.env }));
        return;
      }
      const source = await sourceOf(o);
      const { runInstance } = await import('./run.js');
      exit(typeof source === 'number' ? source : await runInstance({ source, logFormat: o.logFormat, logLevel: o.logLevel, version, signals: earlySignals }));
    });
  withConfigOptions(p.command('check').description('validate a config and print every problem as FILE:LINE:COL: KEY.PATH: message'))
    .action(async (o: ConfigOptions) => {
      const source = await sourceOf(o);
      exit(typeof source === 'number' ? source : await check(source));
    });
  p.command('convert')
    .description('print the quiesce YAML equivalent of a Cyrus cyrus.conf (problems on stderr, exit 78 if any)')
    .argument('<cyrus.conf>', 'the cyrus.conf to convert')
    .action(async (file: string) => exit(await convert(file)));
  withConfigOptions(p.command('start').description('run an instance in the background (log: SUPERVISOR.log_file or next to the pidfile) and wait until it is running'))
    .option('--wait <duration>', 'how long to wait for the running phase', `${START_DEFAULTS.waitMs / 1000}s`)
    .action(async (o: ConfigOptions & { wait: string }) => {
      const waitMs = parseDuration(o.wait, 's');
      const source = await sourceOf(o);
      if (typeof source === 'number') return exit(source);
      const loaded = (await configLoader()).loadConfigFile(source.file, { commandLine: source.commandLine });
      if (!waitMs.ok) {
        print.err(`--wait: ${waitMs.error}`);
        exit(EXIT.usage);
      } else if (!loaded.ok) {
        for (const d of loaded.error) print.err(formatDiagnostic(d));
        exit(EXIT.configInvalid);
      } else {
        const { startCommand } = await import('./control/start.js');
        exit(await startCommand(loaded.value, [process.execPath, ...process.execArgv, process.argv[1] ?? ''], source.args, print, realClock, waitMs.value));
      }
    });
  const instance = (c: Command): Command => withConfigOptions(c).option('--socket <path>', 'the instance\'s control socket');
  instance(p.command('status').description('show the phase and every entry of a running instance').option('--json', 'print the snapshot as JSON'))
    .action(async (o: ConfigOptions & { socket?: string; json?: boolean }) => exit(await control(o, async (s) => (await controlCommands()).statusCommand(s, { json: o.json === true }, print))));
  instance(p.command('stop').description('stop a running instance (graceful; --fast: SIGTERM first), follow it, exit with its exit code').option('--fast', 'children get SIGTERM at once'))
    .action(async (o: ConfigOptions & { socket?: string; fast?: boolean }) => exit(await control(o, async (s) => (await controlCommands()).stopCommand(s, { fast: o.fast === true }, print))));
  instance(p.command('reload').description('reload the config of a running instance (like SIGHUP)'))
    .action(async (o: ConfigOptions & { socket?: string }) => exit(await control(o, async (s) => (await controlCommands()).reloadCommand(s, print))));
  instance(p.command('escalate').description('skip a running shutdown to its next step (like a second SIGQUIT)'))
    .action(async (o: ConfigOptions & { socket?: string }) => exit(await control(o, async (s) => (await controlCommands()).escalateCommand(s, print))));
  withConfigOptions(p.command('plan').description('print the stop sequence a config implies, with each step\'s worst-case budget and the total'))
    .option('--stop-budget <duration>', 'warn when the total exceeds this (e.g. 90s)')
    .option('--unit <file>', 'warn when the total exceeds TimeoutStopSec= of this systemd unit')
    .option('--fast', 'plan the fast stop (SIGTERM first)')
    .action(async (o: ConfigOptions & { stopBudget?: string; unit?: string; fast?: boolean }) => {
      const source = await sourceOf(o);
      if (typeof source === 'number') return exit(source);
      const loaded = (await configLoader()).loadConfigFile(source.file, { checkExecutables: false, commandLine: source.commandLine });
      if (!loaded.ok) {
        for (const d of loaded.error) print.err(formatDiagnostic(d));
        exit(EXIT.configInvalid);
        return;
      }
      const { planCommand } = await import('./ops/plan-command.js');
      exit(await planCommand(loaded.value, { stopBudget: o.stopBudget, unitFile: o.unit, fast: o.fast === true }, print));
    });
  p.command('flush')
    .description('replay what the sync logs still hold with sync_client, then check nothing is left (exit 0 = verifiably empty, 4 = not)')
    .requiredOption('-C, --imapd-conf <file>', 'the instance\'s imapd.conf')
    .option('--timeout <duration>', `budget of each sync_client run (default ${FLUSH_DEFAULTS.runTimeoutMs / 1000}s)`)
    .option('--attempts <n>', `attempts per channel (default ${FLUSH_DEFAULTS.attempts})`)
    .option('--retry-delay <duration>', `wait between attempts (default ${FLUSH_DEFAULTS.retryDelayMs / 1000}s)`)
    .option('--json', 'one JSON document instead of text')
    .action(async (o: { imapdConf: string; timeout?: string; attempts?: string; retryDelay?: string; json?: boolean }) =>
      exit(await (await import('./replication/flush-command.js')).runFlushCommand({ config: o.imapdConf, timeout: o.timeout, attempts: o.attempts, retryDelay: o.retryDelay, json: o.json === true }, print.out)));
  p.command('compare')
    .description('master and replica side by side over IMAP, read-only: each difference per user, mailbox and UID (exit 0 = identical, 4 = differ, 69/75 = a side unreachable/slow)')
    .argument('[users...]', 'only these users (default: every user either side has)')
    .option('--master <address>', `the master's IMAP service: HOST, HOST:PORT, [IPv6]:PORT or imaps://HOST[:PORT] (default port ${COMPARE_DEFAULTS.port}, imaps ${COMPARE_DEFAULTS.tlsPort})`)
    .option('--replica <address>', "the replica's IMAP service, the same way")
    .option('--pair <file>', "swap's pair file instead: the side running as master now against the other (each side's imap, the file's compare options; options given here win)")
    .option('--user <admin>', `the admin who logs in on both sides (default ${COMPARE_DEFAULTS.admin})`)
    .option('--password-file <file>', `the admin's password, first line (default: $${COMPARE_DEFAULTS.passwordEnv})`)
    .option('--replica-user <admin>', "the replica's admin, when another")
    .option('--replica-password-file <file>', "the replica's admin's password, when another")
    .option('--sample <n>', 'compare n users picked at random')
    .option('--concurrency <n>', `users compared at once, two connections each (default ${COMPARE_DEFAULTS.concurrency})`)
    .option('--timeout <duration>', `bound of every connect and command, per side (default ${COMPARE_DEFAULTS.timeoutMs / 1000}s)`)
    .option('-C, --imapd-conf <file>', "the master's imapd.conf: the sync_client command that replicates what differs uses it")
    .option('--json', 'one JSON document instead of text')
    .action(async (users: string[], o: Omit<CompareCommandOptions, 'users'>) => {
      const { runCompareCommand } = await import('./compare/compare-command.js');
      const terminal = process.stderr.isTTY && o.json !== true;
      exit(await runCompareCommand({ ...o, users }, { out: print.out, ...(terminal ? { progress: (t: string) => void process.stderr.write(`\r\x1b[K${t}`) } : {}) }));
    });
  p.command('set-option')
    .description('set one imapd.conf option, only if the installed Cyrus knows it (how swap flips replicaonly; exit 0 set, 5 unknown to this Cyrus)')
    .requiredOption('-C, --imapd-conf <file>', 'the imapd.conf to change (rewritten whole, atomically, owner and mode kept)')
    .argument('<key>', 'the option, e.g. replicaonly')
    .argument('<value>', 'its value, e.g. on')
    .action(async (key: string, value: string, o: { imapdConf: string }) =>
      exit(await (await import('./config/imapd-conf-edit.js')).setOption(o.imapdConf, key, value, print.out)));
  p.command('swap')
    .description('soft failover: stop the master (verified flush), stop the replica, start each in the other role, verify')
    .requiredOption('--pair <file>', 'the pair file: both sides, their command prefixes and configs')
    .option('--force', 'go on even if the master cannot verify that everything was replicated (says what is lost)')
    .action(async (o: { pair: string; force?: boolean }) => {
      const [{ loadPairFile }, { swap }] = await Promise.all([import('./failover/pair-file.js'), import('./failover/swap.js')]);
      const pair = loadPairFile(o.pair);
      if (!pair.ok) {
        for (const d of pair.error) print.err(formatDiagnostic(d));
        exit(EXIT.configInvalid);
      } else exit(await swap(pair.value, { force: o.force === true }, print));
    });
  p.addHelpText('after', `
Examples:
  quiesce convert /etc/cyrus.conf > /etc/quiesce/cyrus.yaml   switch from Cyrus master
  quiesce check -c /etc/quiesce/cyrus.yaml     validate (exit 0, or 78 with every problem listed)
  quiesce run -c /etc/quiesce/cyrus.yaml       supervise in the foreground
  quiesce status -c /etc/quiesce/cyrus.yaml    what a running instance is doing
  quiesce stop -c /etc/quiesce/cyrus.yaml      graceful stop, followed; exit 0 = safe to fail over

Exit codes of run and stop: 0 clean, 1 START failed, 3 children needed SIGTERM/SIGKILL, 4 a
SHUTDOWN command failed (NOT safe to fail over), 64 usage, 70 internal error, 75 could not start,
78 invalid config.`);
  return p;
}

/** A bug: the fatal path (fatal.ts) runs its cleanups, then the process exits 70 whatever they did. */
function fatal(error: unknown): never {
  runFatalPath(error);
  process.exit(EXIT.internal);
}

async function main(): Promise<void> {
  reportFatalTo((message) => print.err(`quiesce: internal error: ${message}`));
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  let code = EXIT.clean as number;
  try {
    await program((c) => (code = c)).parseAsync(process.argv);
  } catch (e) {
    if (!(e instanceof CommanderError)) fatal(e);
    code = e.exitCode === 0 ? EXIT.clean : EXIT.usage;
  }
  process.exit(code);
}

// Not a top-level await: the bundle is CommonJS (boot.cts), and main() ends in process.exit anyway.
void main();
