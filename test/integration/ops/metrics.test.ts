import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { QuiesceMetrics } from '../../../src/ops/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../../src/ops/metrics-server.js';
import type { StatusSnapshot } from '../../../src/supervisor/status.js';
import { snapshot } from '../../unit/control/fake-host.js';

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject).end();
  });
}

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('metrics endpoint', () => {
  it('serves gauges from the status snapshot and counters from log events over HTTP', async () => {
    let status: StatusSnapshot = snapshot('running');
    const metrics = new QuiesceMetrics(() => status);
    const started = await startMetricsServer(metrics, 0);
    if (!started.ok) throw new Error(started.error);
    server = started.value;
    expect(server.port).toBeGreaterThan(0);

    metrics.observe({ event: 'child.started', entry: 'imap', section: 'SERVICES', pid: 101, cmd: 'imapd', worker: true });
    metrics.observe({ event: 'child.started', entry: 'imap', section: 'SERVICES', pid: 102, cmd: 'imapd', worker: true });
    metrics.observe({ event: 'child.exited', entry: 'imap', section: 'SERVICES', pid: 101, code: null, signal: 'SIGSEGV', durationMs: 5, expected: false, worker: true });
    metrics.observe({ event: 'shutdown.escalate', escalation: 'term', trigger: 'quit_timeout' });
    metrics.observe({ event: 'shutdown.escalate', escalation: 'term', trigger: 'SIGQUIT' });
    metrics.observe({ event: 'shutdown.command-done', entry: 'flush', outcome: 'exit code 0', ok: true, durationMs: 1, stderrTail: [] });
    metrics.observe({ event: 'shutdown.done', exitCode: 3, verdict: 'v', durationMs: 12_500, escalated: ['imap[102]'], failedCommands: [] });

    const r = await get(server.port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/plain');
    const lines = r.body.split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toEqual(expect.arrayContaining([
      'quiesce_phase{phase="running"} 1',
      'quiesce_phase{phase="draining"} 0',
      'quiesce_uptime_seconds 3725',
      'quiesce_unit_processes{entry="imap",section="SERVICES"} 5',
      'quiesce_unit_processes{entry="syncclient",section="DAEMON"} 1',
      'quiesce_service_workers{service="imap",state="ready"} 3',
      'quiesce_service_workers{service="imap",state="busy"} 2',
      'quiesce_child_starts_total{entry="imap",section="SERVICES"} 2',
      'quiesce_child_exits_total{entry="imap",section="SERVICES",expected="false"} 1',
      'quiesce_shutdown_escalations_total{level="term"} 2',
      'quiesce_shutdown_commands_total{entry="flush",result="ok"} 1',
      'quiesce_shutdown_duration_seconds 12.5',
      'quiesce_shutdown_exit_code 3',
    ]));
    expect(r.body).not.toContain('process_cpu'); // not the global default registry

    // Units removed by a reload disappear at the next scrape; the phase follows the snapshot.
    status = { ...snapshot('draining'), units: [] };
    const again = await get(server.port, '/metrics');
    expect(again.body).toContain('quiesce_phase{phase="draining"} 1');
    expect(again.body).not.toContain('quiesce_unit_processes{');
  });

  it('answers 404 elsewhere and refuses a port in use', async () => {
    const metrics = new QuiesceMetrics(() => snapshot());
    const started = await startMetricsServer(metrics, 0);
    if (!started.ok) throw new Error(started.error);
    server = started.value;
    expect((await get(server.port, '/')).status).toBe(404);
    const second = await startMetricsServer(new QuiesceMetrics(() => snapshot()), server.port);
    expect(second).toEqual({ ok: false, error: `cannot serve metrics on 127.0.0.1:${server.port}: EADDRINUSE` });
  });
});
