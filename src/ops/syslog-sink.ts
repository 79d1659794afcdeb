// Receives what Cyrus programs send to syslog when no syslog daemon runs (containers): a unix datagram socket.
//
// Cyrus logs only through syslog(3), which writes datagrams to /dev/log; without a daemon bound
// there, every line is lost. Node cannot bind a unix datagram socket, so a small perl helper
// (Perl is Essential on Debian) binds the path and prints each datagram as one line on stdout,
// with backslashes and newlines escaped. It exits when its stdin reaches EOF, i.e. when quiesce
// closes it or dies, so it never outlives the supervisor. The socket is mode 0666 like /dev/log:
// Cyrus children run as the cyrus user. A path some process still receives on is left alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { err, ok, type Result } from '../errors.js';
import { parseSyslogLine, type SyslogRecord } from './syslog-line.js';
import { lineSplitter } from '../lines.js';

/**
 * argv: path. Prints "ready" once bound, then one escaped line per datagram. A path where
 * connect() succeeds belongs to a live receiver: refuse it. ECONNREFUSED = stale: unlink it.
 */
const SINK_SCRIPT = `
use strict; use warnings; use IO::Socket::UNIX; use Socket; use IO::Select;
$0 = "quiesce-syslog-sink"; $| = 1;
my $path = shift;
if (-S $path) {
  my $probe = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Peer => $path);
  if ($probe) { print "error another process receives on $path\\n"; exit 3; }
  unlink $path;
} elsif (-e $path) { print "error $path exists and is not a socket\\n"; exit 3; }
umask 077;
my $sock = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path);
unless ($sock) { print "error cannot bind $path: $!\\n"; exit 3; }
chmod 0666, $path;
print "ready\\n";
my $sel = IO::Select->new($sock, \\*STDIN);
while (1) {
  for my $fh ($sel->can_read) {
    if ($fh == $sock) {
      my $buf; next unless defined $sock->recv($buf, 65536);
      $buf =~ s/\\\\/\\\\\\\\/g; $buf =~ s/\\n/\\\\n/g; print "$buf\\n";
    } else {
      my $n = sysread(STDIN, my $b, 64);
      if (!$n) { unlink $path; exit 0; }
    }
  }
}
`;

/** A bound syslog socket. */
export interface SyslogSink {
  readonly path: string;
  /** Stops the helper; it removes the socket file. */
  close(): Promise<void>;
}

/** What the sink calls. */
export interface SyslogSinkOptions {
  readonly onRecord: (r: SyslogRecord) => void;
  /** The helper ended without close() (crash, killed): Cyrus lines are lost from now on. */
  readonly onExit?: (why: string) => void;
  readonly perl?: string;
}

/** Undoes the helper's escaping of one line. */
export function unescapeLine(line: string): string {
  return line.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Binds `path` through the perl helper and calls onRecord for every datagram. */
export function startSyslogSink(path: string, opts: SyslogSinkOptions): Promise<Result<SyslogSink, string>> {
  const helper: ChildProcess = spawn(opts.perl ?? 'perl', ['-e', SINK_SCRIPT, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  let closing = false;
  return new Promise((resolve) => {
    let ready = false;
    helper.once('error', (e: NodeJS.ErrnoException) => resolve(err(`cannot start the syslog helper (perl): ${e.code ?? e.message}`)));
    helper.once('exit', (code, signal) => {
      if (!ready) resolve(err(`syslog helper for ${path} exited (${signal ?? `code ${code}`}) before binding`));
      else if (!closing) opts.onExit?.(`syslog helper exited (${signal ?? `code ${code}`})`);
    });
    const onLine = lineSplitter((line) => {
      if (ready) {
        opts.onRecord(parseSyslogLine(unescapeLine(line)));
      } else if (line === 'ready') {
        ready = true;
        resolve(ok({ path, close }));
      } else if (line.startsWith('error ')) {
        resolve(err(`syslog socket ${path}: ${line.slice('error '.length)}`));
      }
    });
    helper.stdout?.setEncoding('utf8').on('data', (chunk: string) => void onLine(chunk));
  });

  function close(): Promise<void> {
    closing = true;
    if (helper.exitCode !== null || helper.signalCode !== null) return Promise.resolve();
    return new Promise((r) => {
      helper.once('exit', () => r());
      helper.stdin?.end(); // EOF: the helper unlinks the socket and exits
    });
  }
}
