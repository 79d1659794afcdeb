// The logger's lines: the level pino writes is the event's level, whatever fields the event has.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLog } from '../../src/log.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'quiesce-log-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function linesOf(level: 'debug' | 'info', emit: (log: Awaited<ReturnType<typeof createLog>> & { ok: true }) => void): Promise<Record<string, unknown>[]> {
  const file = join(dir, 'q.log');
  const log = await createLog({ format: 'json', file, level });
  if (!log.ok) throw new Error(log.error);
  emit(log);
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLog', () => {
  it("writes a shutdown line's escalation step as a field of its own, never as pino's level", async () => {
    const [line] = await linesOf('info', (l) => l.value.emit({ event: 'shutdown.waiting', step: 'drain', count: 1, children: ['imapd[12]'], escalation: 'stop', nextEscalationInMs: 9_000 }));
    expect(line).toMatchObject({ level: 30, event: 'shutdown.waiting', escalation: 'stop' });
  });

  it('a worker recycling is debug: left out at info, written at debug', async () => {
    const exited = { event: 'child.exited', entry: 'imap', section: 'SERVICES', pid: 12, code: 0, signal: null, durationMs: 5, expected: true, worker: true } as const;
    const lost = { ...exited, code: 1, expected: false } as const;
    expect((await linesOf('info', (l) => (l.value.emit(exited), l.value.emit(lost)))).map((l) => [l.level, l.code])).toEqual([[30, 1]]); // and the pool adds service.worker-lost at warn
    rmSync(join(dir, 'q.log'));
    expect((await linesOf('debug', (l) => l.value.emit(exited))).map((l) => l.level)).toEqual([20]);
  });

  it("a worker's stop signal is debug; an escalation, stragglers or another child's signal are info", async () => {
    const quit = { event: 'child.signalled', entry: 'imap', section: 'SERVICES', pid: 12, signal: 'SIGQUIT', step: 'stop', stragglers: 0, worker: true } as const;
    const lines = await linesOf('info', (l) => {
      l.value.emit(quit);
      l.value.emit({ ...quit, pid: 13, signal: 'SIGTERM', step: 'term' });
      l.value.emit({ ...quit, pid: 14, stragglers: 1 });
      l.value.emit({ ...quit, pid: 15, entry: 'syncclient', section: 'DAEMON', worker: false });
    });
    expect(lines.map((l) => l.pid)).toEqual([13, 14, 15]);
  });
});
