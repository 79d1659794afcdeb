// A unix datagram socket for tests (Node has none): a perl process bound to a path, one stdout line per datagram.
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
use strict; use warnings; use IO::Socket::UNIX; use Socket;
$| = 1;
my $path = shift;
my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "bind $path: $!\\n";
print "listening\\n";
while (1) { my $buf; defined($s->recv($buf, 65536)) or die "recv: $!\\n"; $buf =~ s/\\\\/\\\\\\\\/g; $buf =~ s/\\n/\\\\n/g; print "$buf\\n"; }
`;

/** A listening datagram socket and the datagrams it received (newlines inside shown as \\n). */
export interface DatagramListener {
  readonly datagrams: string[];
  /** Resolves once `count` datagrams matching `pred` arrived. */
  waitFor(pred: (d: string) => boolean, count?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Binds `path` and resolves once the socket exists. */
export function listenDatagrams(path: string): Promise<DatagramListener> {
  const proc: ChildProcess = spawn('perl', ['-e', SCRIPT, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const datagrams: string[] = [];
  let waiters: (() => boolean)[] = [];
  let buffer = '';
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`datagram listener exited ${code}`)));
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'listening') {
          resolve(listener);
          continue;
        }
        datagrams.push(line);
        waiters = waiters.filter((check) => !check());
      }
    });
    const listener: DatagramListener = {
      datagrams,
      waitFor: (pred, count = 1) =>
        new Promise((res) => {
          const check = (): boolean => {
            const hits = datagrams.filter(pred);
            if (hits.length < count) return false;
            res(hits);
            return true;
          };
          if (!check()) waiters.push(check);
        }),
      close: () =>
        new Promise((res) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return res();
          proc.removeAllListeners('exit');
          proc.once('exit', () => res());
          proc.kill('SIGTERM');
        }),
    };
  });
}
