// `quiesce plan` output: the stop sequence as a numbered table, then a warning per exceeded limit.
import { formatDuration, formatTable } from '../text.js';
import type { PlanOverrun, PlanStep, StopPlan } from './plan.js';
import { unreachable } from '../errors.js';

/** What the step does, in words. */
export function describePlanStep(s: PlanStep): { what: string; why: string } {
  switch (s.kind) {
    case 'drain':
      return s.slowest === undefined
        ? { what: 'drain SERVICES and EVENTS', why: 'no entries' }
        : { what: `drain SERVICES and EVENTS (${s.entries.length} entries, together)`, why: `slowest ${s.slowest}: ${breakdown(s.quitMs, s.termMs)}` };
    case 'sync-drain':
      return { what: 'wait for sync_client to empty the sync logs', why: 'sync_drain_timeout' };
    case 'daemon':
      return { what: `stop DAEMON ${s.entry}`, why: breakdown(s.quitMs, s.termMs) };
    case 'command':
      return { what: `SHUTDOWN ${s.entry}`, why: `timeout ${formatDuration(s.timeoutMs)} + ${breakdown(s.quitMs, s.termMs)}` };
    case 'sweep':
      return { what: 'sweep leftovers (SIGKILL, wait)', why: 'fixed' };
    default:
      return unreachable(s);
  }
}

function breakdown(quitMs: number, termMs: number): string {
  return quitMs === 0 ? `term ${formatDuration(termMs)}` : `quit ${formatDuration(quitMs)} + term ${formatDuration(termMs)}`;
}

/** The plan as text, with one `warning:` line per overrun. */
export function renderStopPlan(plan: StopPlan, overruns: readonly PlanOverrun[]): string {
  let elapsed = 0;
  const rows = plan.steps.map((s, i) => {
    elapsed += s.budgetMs;
    const d = describePlanStep(s);
    return [`${i + 1}.`, d.what, formatDuration(s.budgetMs), formatDuration(elapsed), d.why];
  });
  rows.push(['', 'total', formatDuration(plan.totalMs), '', '']);
  const lines = [
    `${plan.mode} stop of ${plan.config}, worst case:`,
    formatTable(['', 'STEP', 'UP TO', 'DONE BY', 'WHY'], rows),
  ];
  for (const o of overruns) {
    const cut = plan.steps[o.cutStep];
    const during = cut === undefined ? '' : ` it would be cut short during step ${o.cutStep + 1} (${describePlanStep(cut).what})`;
    const limitMs = o.limit.limit.kind === 'ms' ? formatDuration(o.limit.limit.ms) : 'infinity';
    lines.push(`warning: the worst case (${formatDuration(plan.totalMs)}) exceeds ${o.limit.name} (${limitMs}) by ${formatDuration(o.overByMs)};${during}`);
  }
  return lines.join('\n');
}
