// Small text helpers for output meant for people: durations, aligned columns, short lists.

/** `850ms`, `12s`, `3m05s`, `2h07m`, `3d04h`: short and unambiguous. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** `a, b, c and 4 more` */
export function listSome(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** A moment for people, in local time: `04:01` within the next day, else `2026-12-24 04:01`. */
export function formatClock(atMs: number, nowMs: number): string {
  const d = new Date(atMs);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return Math.abs(atMs - nowMs) < 86_400_000 ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** Quotes one word for a POSIX shell, leaving plain words (paths, flags) as they are. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as a shell command line a person can copy. */
export const commandLine = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');

/** A sync log channel for people and for metrics labels: `(default)` for the unnamed one. */
export const channelLabel = (name: string): string => (name === '' ? '(default)' : name);


/** What a sync error was about: `mailbox user.alice (user alice)`, `user bob`, or `a sync batch` (neither named). */
export function describeSyncTarget(t: { readonly mailbox?: string | null | undefined; readonly user?: string | null | undefined }): string {
  if (t.mailbox !== undefined && t.mailbox !== null) return `mailbox ${t.mailbox}${t.user === undefined || t.user === null ? '' : ` (user ${t.user})`}`;
  return t.user !== undefined && t.user !== null ? `user ${t.user}` : 'a sync batch';
}
