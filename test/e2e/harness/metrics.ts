// The Prometheus page of a running quiesce (SUPERVISOR.metrics_port on 127.0.0.1).
import { request } from 'node:http';

/** GET /metrics; resolves with the text exposition. */
export function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}
