// The shutdown report: a JSON document saying what the stop did and whether failing over is safe.
//
// Written after every shutdown (SUPERVISOR.report_file) so that a failover script or a person can
// read one file instead of the log. The builder is pure; the writer replaces the file atomically
// (temp file in the same directory, fsync, rename), so a reader never sees half a report.
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeExit } from '../child/exit.js';
import { err, ok, type Result } from '../errors.js';
import { describeEscalated, isSafeToFailOver } from '../exit-codes.js';
import type { StopMode } from '../supervisor/phase.js';
import type { ShutdownReport } from '../supervisor/shutdown.js';
import { channelLabel, describeSyncTarget } from '../text.js';

/** Version of the document layout; bumped on any incompatible change. */
export const REPORT_SCHEMA = 'quiesce.shutdown-report/1';

/** What the report needs besides the ShutdownReport itself. */
export interface ReportContext {
  readonly supervisorPid: number;
  readonly config: string;
  readonly version: string;
  readonly hostname: string;
  /** Epoch ms the report is built. */
  readonly writtenAtMs: number;
}

/** The document, as written to disk. */
export interface ShutdownReportDocument {
  readonly schema: typeof REPORT_SCHEMA;
  readonly writtenAt: string;
  readonly supervisor: { readonly pid: number; readonly config: string; readonly version: string; readonly hostname: string };
  readonly shutdown: { readonly mode: StopMode; readonly trigger: string; readonly startedAt: string; readonly durationMs: number };
  readonly verdict: {
    readonly exitCode: number;
    readonly safeToFailOver: boolean;
    readonly summary: string;
    /** Why the verdict is what it is, one fact per line. */
    readonly reasons: readonly string[];
    /** Facts that do not change the exit code but that whoever fails over should know. */
    readonly caveats: readonly string[];
  };
  readonly steps: readonly { readonly name: string; readonly startedAt: string; readonly durationMs: number | null }[];
  readonly children: {
    readonly stopped: number;
    readonly escalated: readonly { readonly child: string; readonly signals: readonly string[]; readonly exit: string; readonly durationMs: number }[];
  };
  readonly commands: readonly { readonly entry: string; readonly ok: boolean; readonly outcome: string; readonly durationMs: number; readonly outputTail: readonly string[] }[];
  readonly stragglers: readonly number[];
  /** What the final check found in the sync logs: each channel not replicated, and how to replay it. */
  readonly notReplicated: readonly {
    readonly channel: string; readonly files: readonly string[]; readonly bytes: number; readonly lines: number; readonly oldestAgeMs: number | null;
    /** Users sync_client skips (a `skipuser-<userid>` file), with that file. */
    readonly skippedUsers: readonly { readonly user: string; readonly file: string }[];
    readonly replay: string;
  }[];
  /** Mailboxes, users and batches the rolling sync_client failed on while running that no completed batch settled. */
  readonly syncFailures: readonly {
    readonly channel: string; readonly mailbox: string | null; readonly user: string | null; readonly reason: string;
    readonly count: number; readonly firstAt: string; readonly lastAt: string; readonly replay: string;
  }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function reasonsOf(r: ShutdownReport): string[] {
  const failed = r.commands.filter((c) => !c.ok);
  const escalated = r.stops.filter((s) => s.escalated);
  const reasons = failed.map((c) => `SHUTDOWN ${c.entry}: ${c.outcome}`);
  for (const b of r.notReplicated) {
    if (b.files.length > 0 || b.error !== undefined) reasons.push(`sync log channel ${channelLabel(b.channel)} not replicated: ${b.lines} line(s), ${b.bytes} bytes in ${b.files.join(', ') || 'files that cannot be read'}${b.error === undefined ? '' : ` (${b.error})`}`);
    for (const s of b.skipped) reasons.push(`sync log channel ${channelLabel(b.channel)}: user ${s.user} not replicated: sync_client skips it (${s.path})`);
  }
  for (const f of r.syncFailures) reasons.push(`sync log channel ${channelLabel(f.channel)}: ${describeSyncTarget(f)} failed to replicate (${f.count} time(s), last: ${f.reason}) and no completed batch settled it since`);
  if (failed.length === 0) reasons.push(r.commands.length === 0 ? 'no SHUTDOWN commands to fail' : `all ${r.commands.length} SHUTDOWN command(s) exited 0`);
  reasons.push(
    escalated.length === 0
      ? `all ${r.stops.length} child(ren) left on their stop signal`
      : `${escalated.length} of ${r.stops.length} child(ren) needed escalation: ${escalated.map(describeEscalated).join(', ')}`,
  );
  return reasons;
}

function caveatsOf(r: ShutdownReport): string[] {
  const caveats: string[] = [];
  if (r.commands.length === 0) caveats.push('no SHUTDOWN commands are configured: nothing flushed or verified the replication log');
  if (r.stragglers.length > 0) caveats.push(`${r.stragglers.length} process(es) started by quiesce were still alive after the SHUTDOWN commands and were killed (${r.stragglers.join(', ')}); they may have changed data after the flush`);
  return caveats;
}

/** The report document of a finished shutdown (pure). */
export function buildShutdownReport(r: ShutdownReport, ctx: ReportContext): ShutdownReportDocument {
  return {
    schema: REPORT_SCHEMA,
    writtenAt: iso(ctx.writtenAtMs),
    supervisor: { pid: ctx.supervisorPid, config: ctx.config, version: ctx.version, hostname: ctx.hostname },
    shutdown: { mode: r.mode, trigger: r.trigger, startedAt: iso(r.startedAtMs), durationMs: r.durationMs },
    verdict: { exitCode: r.exitCode, safeToFailOver: isSafeToFailOver(r.exitCode), summary: r.verdict, reasons: reasonsOf(r), caveats: caveatsOf(r) },
    steps: r.steps.map((s) => ({ name: s.name, startedAt: iso(s.startedAtMs), durationMs: s.durationMs })),
    children: {
      stopped: r.stops.length,
      escalated: r.stops.filter((s) => s.escalated).map((s) => ({ child: s.label, signals: s.steps, exit: describeExit(s.exit), durationMs: s.durationMs })),
    },
    commands: r.commands.map((c) => ({ entry: c.entry, ok: c.ok, outcome: c.outcome, durationMs: c.durationMs, outputTail: c.stderrTail })),
    stragglers: r.stragglers,
    notReplicated: r.notReplicated.map((b) => ({
      channel: b.channel, files: b.files, bytes: b.bytes, lines: b.lines, oldestAgeMs: b.oldestAgeMs ?? null,
      skippedUsers: b.skipped.map((s) => ({ user: s.user, file: s.path })), replay: b.replay,
    })),
    syncFailures: r.syncFailures.map((f) => ({
      channel: f.channel, mailbox: f.mailbox ?? null, user: f.user ?? null, reason: f.reason, count: f.count, firstAt: iso(f.firstMs), lastAt: iso(f.lastMs), replay: f.replay,
    })),
  };
}

/** Writes `doc` to `path` atomically: a reader sees the old file or the new one, never a partial one. */
export async function writeReportAtomically(path: string, doc: ShutdownReportDocument): Promise<Result<void, string>> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(`${JSON.stringify(doc, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    return err(`cannot write shutdown report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // The rename is durable once the directory is synced; a failure here loses nothing already readable.
  try {
    const dh = await open(dirname(path), 'r');
    await dh.sync().finally(() => dh.close());
  } catch {
    // some filesystems refuse fsync on a directory
  }
  return ok(undefined);
}
