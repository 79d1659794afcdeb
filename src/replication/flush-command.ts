// `quiesce flush -C /etc/imapd.conf [--timeout 60s] [--attempts 3] [--json]`: replays what the
// sync logs still hold with sync_client, then reports per channel what was replayed and what is
// left. Exit 0 = every replication channel verifiably empty and no user skipped, 4 = something left
// (or a skipuser file), 78 = bad imapd.conf, 64 = bad option.
import { basename } from 'node:path';
import { realClock, type Clock } from '../clock.js';
import { parseDuration } from '../config/fields.js';
import { EXIT } from '../exit-codes.js';
import type { ReplicationProgress } from './progress.js';
import { FLUSH_DEFAULTS } from '../defaults.js';
import { flush, type ChannelFlush, type FlushResult } from './flush.js';
import { loadImapdConf } from '../config/imapd-conf.js';
import { describeOutcome, type SyncClientRunner } from './sync-client-run.js';
import { channelLabel, formatDuration } from '../text.js';
import { isReplicated, type ChannelBacklog } from './sync-dir.js';

/** The subcommand's options as commander hands them over. */
export interface FlushCommandOptions {
  /** `-C`: the instance's imapd.conf. */
  readonly config: string;
  /** `--timeout`: budget of each sync_client run, e.g. `60s` (a bare number is seconds). */
  readonly timeout?: string | number;
  /** `--attempts`: attempts per channel. */
  readonly attempts?: string | number;
  /** `--retry-delay`: wait between attempts, e.g. `5s`. */
  readonly retryDelay?: string | number;
  /** `--json`: one JSON document instead of text. */
  readonly json?: boolean;
}

/** What tests replace. */
export interface FlushCommandDeps {
  readonly clock?: Clock;
  readonly runner?: SyncClientRunner;
  readonly syncClient?: string;
}

/** Runs the flush subcommand, printing through `out`; resolves with the exit code. */
export async function runFlushCommand(opts: FlushCommandOptions, out: (line: string) => void, deps: FlushCommandDeps = {}): Promise<number> {
  const timeout = parseDuration(opts.timeout ?? `${FLUSH_DEFAULTS.runTimeoutMs / 1000}s`, 's');
  const retryDelay = parseDuration(opts.retryDelay ?? `${FLUSH_DEFAULTS.retryDelayMs / 1000}s`, 's');
  const attempts = Number(opts.attempts ?? FLUSH_DEFAULTS.attempts);
  const usage = !timeout.ok ? `--timeout: ${timeout.error}` : !retryDelay.ok ? `--retry-delay: ${retryDelay.error}` : !Number.isInteger(attempts) || attempts < 1 ? `--attempts: expected a positive integer, got \`${String(opts.attempts)}\`` : undefined;
  if (usage !== undefined || !timeout.ok || !retryDelay.ok) {
    out(`quiesce flush: ${usage ?? ''}`);
    return EXIT.usage;
  }
  const conf = loadImapdConf(opts.config);
  if (!conf.ok) {
    out(opts.json === true ? JSON.stringify({ ok: false, exitCode: EXIT.configInvalid, error: conf.error }) : `quiesce flush: ${conf.error}`);
    return EXIT.configInvalid;
  }
  const text = opts.json !== true;
  if (text) {
    out(`quiesce flush: ${conf.value.file}: channels ${conf.value.channels.map(channelLabel).join(', ')}`);
    if (!conf.value.syncLog) out('  note: sync_log is off in this imapd.conf (writers do not log); flushing whatever files exist');
  }
  const result = await flush(conf.value, deps.clock ?? realClock, {
    runTimeoutMs: timeout.value,
    retryDelayMs: retryDelay.value,
    attempts,
    ...(deps.runner === undefined ? {} : { runner: deps.runner }),
    ...(deps.syncClient === undefined ? {} : { syncClient: deps.syncClient }),
    onEvent: text ? (e) => progressLine(e, out) : undefined,
  });
  const code = result.ok ? EXIT.clean : EXIT.shutdownFailed;
  if (text) report(result, out);
  else out(JSON.stringify(asJson(result, opts.config, code)));
  return code;
}

function progressLine(e: ReplicationProgress, out: (line: string) => void): void {
  switch (e.event) {
    case 'replication.flush.run':
      out(`  channel ${channelLabel(e.channel)}: attempt ${e.attempt}: replaying ${e.file} (${e.lines} lines): ${e.command}`);
      return;
    case 'replication.flush.run-ended':
      out(`  channel ${channelLabel(e.channel)}: attempt ${e.attempt}: sync_client ${e.detail}${e.progressed ? ', replayed' : ', NOT replayed'}`);
      return;
    case 'replication.flush.retry':
      out(`  channel ${channelLabel(e.channel)}: attempt ${e.attempt} failed, next in ${e.delayMs} ms: ${e.reason}`);
      return;
    case 'replication.flush.channel':
    case 'replication.flush.skipped':
    case 'replication.backlog.level':
      return;
  }
}

function report(r: FlushResult, out: (line: string) => void): void {
  for (const c of r.channels) {
    const name = `channel ${channelLabel(c.channel)}`;
    const replayed = c.runs.filter((run) => run.progressed);
    out(`${name}: before: ${files(c.before)}; replayed ${replayed.length} file(s) (${replayed.map((run) => `${run.file} ${run.lines} lines`).join(', ') || 'nothing'}) in ${c.runs.length} run(s), ${c.attempts} attempt(s)`);
    for (const u of c.left.skipped) out(`${name}: user ${u.user} NOT replicated: sync_client skips it (${u.path})`);
    if (isReplicated(c.left)) {
      out(`${name}: verified empty`);
      continue;
    }
    if (!c.empty) {
      out(`${name}: LEFT: ${files(c.left)}`);
      for (const f of c.left.pending) out(`${name}:   ${f.path}: ${f.lines} lines, ${f.bytes} bytes`);
      if (c.lastError !== undefined) out(`${name}: last error: ${c.lastError}`);
    }
    out(`${name}: replay by hand (replica reachable, once per file, until none is left): ${c.left.replay}`);
  }
  for (const s of r.skipped) out(`channel ${channelLabel(s.channel)}: skipped: ${s.reason}`);
  const left = r.channels.filter((c) => !isReplicated(c.left));
  out(left.length === 0
    ? `flush: every replication channel is empty (verified in ${r.durationMs} ms)`
    : `flush: NOT replicated: ${left.map((c) => channelLabel(c.channel)).join(', ')} (${r.durationMs} ms)`);
}

function files(b: ChannelBacklog): string {
  if (b.error !== undefined) return `UNREADABLE: ${b.error}`;
  if (b.pending.length === 0) return 'empty';
  return `${b.pending.map((f) => basename(f.path)).join(' + ')}, ${b.lines} lines, ${b.bytes} bytes, oldest entry ${age(b.oldestAgeMs)}`;
}

function age(ms: number | undefined): string {
  return ms === undefined ? '-' : formatDuration(ms);
}

function asJson(r: FlushResult, conf: string, exitCode: number): unknown {
  const backlog = (b: ChannelBacklog) => ({
    files: b.pending.map((f) => ({ kind: f.kind, path: f.path, bytes: f.bytes, lines: f.lines })), bytes: b.bytes, lines: b.lines, oldestAgeMs: b.oldestAgeMs ?? null,
    skippedUsers: b.skipped.map((u) => ({ user: u.user, file: u.path })), error: b.error ?? null,
  });
  const channel = (c: ChannelFlush) => ({
    channel: c.channel,
    empty: c.empty,
    attempts: c.attempts,
    runs: c.runs.map((run) => ({ attempt: run.attempt, file: run.file, lines: run.lines, outcome: run.outcome.kind, detail: describeOutcome(run.outcome), progressed: run.progressed })),
    before: backlog(c.before),
    left: backlog(c.left),
    lastError: c.lastError ?? null,
    replay: c.left.replay,
  });
  return { ok: r.ok, exitCode, conf, durationMs: r.durationMs, channels: r.channels.map(channel), skipped: r.skipped };
}
