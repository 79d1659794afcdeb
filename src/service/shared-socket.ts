// One-shot Perl helpers on a listening socket the supervisor holds (listener.ts): they get the same
// open file description as their fd 4 and make the calls Node has none for, listen(2) on a socket
// Node bound without watching it, and shutdown(2). Perl is part of every Debian system.
import { spawn } from 'node:child_process';
import { err, ok, type Result } from '../errors.js';

/**
 * The helper: a Perl one-liner (Perl is part of every Debian system, and starts in a few ms where a
 * Node helper took about 130 ms per socket) that listen(2)s on its fd 4 and exits; it never
 * accepts. A failure prints the errno's name (EADDRINUSE, ...) on stderr.
 */
const LISTEN_HELPER =
  'open(my $s, "+<&=4") or exit 3; listen($s, $ARGV[0]) and exit 0; ' +
  'my $e = $! + 0; require Errno; $! = $e; my ($n) = grep { $!{$_} } keys %!; print STDERR $n // "errno $e"; exit 1';

/**
 * shutdown(2) of a listening socket, done by a one-shot Perl helper on the shared open file
 * description (Node has no call for it): on Linux it takes the socket out of the LISTEN state for
 * every holder, so connects are refused at once instead of waiting in a backlog that no worker
 * will accept from. Errors are ignored: close() follows anyway.
 */
export function shutdownShared(fd: number): Promise<void> {
  return new Promise((resolve) => {
    // 0 is SHUT_RD on Linux; without `use Socket` the helper starts in about 3 ms instead of 20
    const helper = spawn('perl', ['-e', 'open(my $s, "+<&=4") or exit 1; shutdown($s, 0) or exit 2'], {
      stdio: ['ignore', 'ignore', 'ignore', 'ignore', fd],
    });
    helper.on('error', () => resolve());
    helper.on('close', () => resolve());
  });
}

export function listenOnShared(fd: number, backlog: number): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    const helper = spawn('perl', ['-e', LISTEN_HELPER, String(backlog)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ignore', fd],
    });
    let stderr = '';
    helper.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    helper.on('error', (e) => resolve(err(`listen helper: ${e.message}`)));
    helper.on('close', (code, signal) => {
      if (code === 0) resolve(ok(undefined));
      else resolve(err(stderr.trim() || `listen helper exited ${code ?? signal}`));
    });
  });
}
