// The /metrics HTTP endpoint: loopback only, off unless a port is configured.
import { createServer } from 'node:http';
import { err, ok, type Result } from '../errors.js';
import type { QuiesceMetrics } from './metrics.js';

/** Defaults of the metrics endpoint. */
export const METRICS_DEFAULTS = {
  /** Loopback: a scraper on the host or a local agent; put a proxy in front to expose it further. */
  host: '127.0.0.1',
  path: '/metrics',
} as const;

/** A listening metrics endpoint. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `metrics` on http://<host>:<port>/metrics; port 0 picks a free port. */
export function startMetricsServer(metrics: QuiesceMetrics, port: number, host: string = METRICS_DEFAULTS.host): Promise<Result<MetricsServer, string>> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== METRICS_DEFAULTS.path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(e)}\n`),
    );
  });
  return new Promise((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(err(`cannot serve metrics on ${host}:${port}: ${e.code ?? e.message}`)));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      resolve(ok({
        port: bound,
        close: () => new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
      }));
    });
  });
}
