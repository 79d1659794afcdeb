// `quiesce status` for people: the supervisor line, then one row per entry.
import type { UnitStatus } from '../service/unit.js';
import type { StatusSnapshot } from '../supervisor/status.js';
import { channelLabel, describeSyncTarget, formatDuration, formatTable } from '../text.js';

/** Pids shown per row before `+N`. */
const MAX_PIDS_SHOWN = 4;

const dash = (v: number | string | undefined): string => (v === undefined ? '-' : String(v));

function pidsText(pids: readonly number[]): string {
  if (pids.length === 0) return '-';
  const shown = pids.slice(0, MAX_PIDS_SHOWN).join(',');
  return pids.length > MAX_PIDS_SHOWN ? `${shown} +${pids.length - MAX_PIDS_SHOWN}` : shown;
}

const row = (u: UnitStatus): string[] => [
  u.name, u.section, u.state, pidsText(u.pids), dash(u.readyCount), dash(u.busyCount), String(u.restarts), dash(u.lastExit), dash(u.listen),
];

/** The log's trouble, if it has any: failing now, or lines lost earlier. */
function logLines(s: StatusSnapshot): string[] {
  const l = s.log;
  const counts = `${l.fallbackLines} line(s) went to stderr, ${l.droppedLines} lost`;
  if (l.failing) return [`log: FAILING: cannot write ${l.target} (${l.error ?? '?'}) since ${formatDuration(Date.now() - (l.sinceMs ?? Date.now()))} ago; ${counts}`];
  return l.fallbackLines + l.droppedLines > 0 ? [`log: ${l.target} is written again; earlier ${counts}`] : [];
}

/** The status snapshot as a header and a table. */
export function renderStatus(s: StatusSnapshot): string {
  const head = [
    `quiesce ${s.version}, pid ${s.pid}, config ${s.config}`,
    `phase ${s.phase} for ${formatDuration(s.phaseSinceMs)}, up ${formatDuration(s.uptimeMs)}, config generation ${s.generation}`,
    ...s.applying.map((a) => `still applying the last reload: ${a}`),
    ...logLines(s),
    ...(Object.keys(s.ignoredSignals).length === 0 ? [] : [`ignored signals: ${Object.entries(s.ignoredSignals).map(([sig, n]) => `${sig} x${n}`).join(', ')}`]),
  ];
  const r = s.replication;
  const replication = r === undefined ? '' : `\n\nsync log backlog: ${r.level.toUpperCase()}${r.checkedAgoMs === undefined ? '' : ` (checked ${formatDuration(r.checkedAgoMs)} ago)`}\n${formatTable(
    ['CHANNEL', 'LEVEL', 'FILES', 'LINES', 'BYTES', 'OLDEST'],
    r.channels.map((c) => [channelLabel(c.channel), c.level, String(c.files), String(c.lines), String(c.bytes), c.oldestAgeMs === null ? '-' : formatDuration(c.oldestAgeMs)]),
  )}${r.channels.flatMap((c) => c.skippedUsers.map((u) => `\nchannel ${channelLabel(c.channel)}: user ${u} NOT replicated: sync_client skips it (skipuser file)`)).join('')}${r.channels.flatMap((c) => c.failing.map((f) => `\nchannel ${channelLabel(c.channel)}: ${describeSyncTarget(f)} FAILING for ${formatDuration(f.sinceAgoMs)} (${f.count} line(s), last: ${f.reason}); replay with: ${f.replay}`)).join('')}`;
  if (s.units.length === 0) return `${head.join('\n')}\n\n(no entries)${replication}`;
  const table = formatTable(['ENTRY', 'SECTION', 'STATE', 'PIDS', 'READY', 'BUSY', 'RESTARTS', 'LAST EXIT', 'LISTEN'], s.units.map(row));
  return `${head.join('\n')}\n\n${table}${replication}`;
}
