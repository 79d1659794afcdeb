// The result tables: one row per point and metric, master and quiesce side by side, and their ratio.
import type { Measured } from './stats.js';

/** A cell: a measured number, or a word when there is no number ("disabled", "n/a"). */
export type Cell = Measured | string;

/** One line of a result table. */
export interface Row {
  readonly point: string;
  /** What and in which unit, e.g. `conn/s`, `p99 ms`. */
  readonly metric: string;
  readonly master: Cell;
  readonly quiesce: Cell;
}

/** One scenario's table, with the notes printed under it. */
export interface Section {
  readonly title: string;
  readonly how: string;
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
}

/** 1234 -> "1234", 12.34 -> "12.3", 1.234 -> "1.23". */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function cellText(c: Cell): string {
  if (typeof c === 'string') return c;
  const range = c.lo !== undefined && c.hi !== undefined && c.lo !== c.hi ? ` (${fmt(c.lo)}–${fmt(c.hi)})` : '';
  return `${fmt(c.value)}${range}`;
}

function ratioText(m: Cell, q: Cell): string {
  if (typeof m === 'string' || typeof q === 'string' || !Number.isFinite(m.value) || !Number.isFinite(q.value)) return '–';
  if (m.value === 0) return q.value === 0 ? '1.00' : '∞';
  return (q.value / m.value).toFixed(2);
}

/** A section as Markdown: heading, how it was measured, the table, its notes. */
export function sectionMarkdown(s: Section): string {
  const lines = [`## ${s.title}`, '', s.how, '', '| point | metric | master | quiesce | quiesce / master |', '| --- | --- | ---: | ---: | ---: |'];
  for (const r of s.rows) lines.push(`| ${r.point} | ${r.metric} | ${cellText(r.master)} | ${cellText(r.quiesce)} | ${ratioText(r.master, r.quiesce)} |`);
  if (s.notes.length > 0) lines.push('', ...s.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
