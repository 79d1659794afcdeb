// Datagram services (proto udp/udp4/udp6, or a unix path with a proto other than tcp, as Cyrus
// reads cyrus.conf): a socket held for the whole run and handed to the one worker as its fd 4.
//
// Node has no unix datagram sockets, and a UDP socket bound by Node's dgram module is read by
// Node itself (it would take the datagrams meant for the worker). So a small Perl helper (Perl is
// Essential on Debian, ~6 MB) creates and binds the socket and holds it, as Cyrus master does:
// datagrams sent while no worker runs wait in its buffer instead of being refused. Each worker is
// started through a second, one-shot Perl wrapper that asks the holder for the socket over an
// abstract unix socket (SCM_RIGHTS; the holder only answers processes of its own user or root),
// puts it on fd 4 and execs the worker, so the worker keeps the pid quiesce started.
//
// Perl's core has no sendmsg/recvmsg with ancillary data, so both call them through syscall(2)
// with the structures packed by hand (LP64 layout: x86_64, aarch64, riscv64).
//
// The holder also watches the socket for the on-demand start (prefork: 0): asked with "arm", it
// says "readable" once a datagram waits. It exits when its stdin closes (quiesce closed it or
// died), removing a unix socket's path.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../errors.js';
import { lineSplitter } from '../lines.js';

/** sendmsg/recvmsg syscall numbers by Perl archname prefix (LP64 Linux only). */
const SYSCALLS = `my %sys = (x86_64 => [46, 47], aarch64 => [211, 212], riscv64 => [211, 212]);
my ($arch) = $Config{archname} =~ /^([^-]+)/;
my ($SENDMSG, $RECVMSG) = @{ $sys{$arch} // [] };`;

/**
 * argv: kind (unix | inet | inet6), address (path or IP), port, v6only (0/1), control name, and
 * the user the worker runs as ('' for the holder's own), whose processes may ask for the socket.
 * stdout: "bound ADDRESS" | "error MESSAGE", later "readable" (after "arm"), "closed" (after "close").
 */
const HOLDER_SCRIPT = `
use strict; use warnings; use Config; use Socket qw(:all); use IO::Select;
$0 = "quiesce-dgram"; $| = 1;
${SYSCALLS}
my ($kind, $addr, $port, $v6only, $ctlname, $worker) = @ARGV;
my $workerUid = ($worker // '') eq '' ? $< : scalar getpwnam($worker);
sub fail { print "error $_[0]\\n"; exit 3; }
fail("cannot pass sockets on $arch (x86_64, aarch64 and riscv64 are supported)") unless defined $SENDMSG;
my $sock;
if ($kind eq 'unix') {
  if (-S $addr) { unlink $addr; } elsif (-e $addr) { fail("EEXIST ($addr exists and is not a socket)"); }
  socket($sock, AF_UNIX, SOCK_DGRAM, 0) or fail("socket: $!");
  my $old = umask 0; my $r = bind($sock, pack_sockaddr_un($addr)); umask $old;   # mode 0777, as Cyrus master
  $r or fail("cannot bind $addr: " . ($!{EADDRINUSE} ? 'EADDRINUSE' : $!));
} else {
  my $fam = $kind eq 'inet6' ? AF_INET6 : AF_INET;
  socket($sock, $fam, SOCK_DGRAM, 0) or fail("socket: $!");
  setsockopt($sock, SOL_SOCKET, SO_REUSEADDR, 1);
  setsockopt($sock, IPPROTO_IPV6, IPV6_V6ONLY, $v6only ? 1 : 0) if $fam == AF_INET6;
  my $sa = $fam == AF_INET6 ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $addr)) : pack_sockaddr_in($port, inet_aton($addr));
  bind($sock, $sa) or fail("cannot bind: " . ($!{EADDRINUSE} ? 'EADDRINUSE' : $!{EACCES} ? 'EACCES' : $!));
}
socket(my $ctl, AF_UNIX, SOCK_STREAM, 0) or fail("socket: $!");
bind($ctl, pack_sockaddr_un("\\0$ctlname")) or fail("control socket: $!");
listen($ctl, 16) or fail("listen: $!");
print "bound\\n";
sub send_fd {
  my ($c, $fd) = @_;
  my $data = "F"; my $iov = pack('p Q', $data, 1);
  my $cmsg = pack('Q i i i x4', 20, SOL_SOCKET, 1, $fd);            # cmsghdr + one int: SCM_RIGHTS = 1
  my $msg = pack('Q L x4 p Q p Q i x4', 0, 0, $iov, 1, $cmsg, 24, 0);   # msghdr: no name, one iovec, the cmsg
  return syscall($SENDMSG, fileno($c), $msg, 0) >= 0;
}
my $armed = 0;
my $sel = IO::Select->new(\\*STDIN, $ctl);
while (1) {
  $sel->add($sock) if $armed && $sock; $sel->remove($sock) if !$armed && $sock;
  for my $fh ($sel->can_read) {
    if ($fh == \\*STDIN) {
      my $line = <STDIN>;
      if (!defined $line) { unlink $addr if $kind eq 'unix' && $sock; exit 0; }
      chomp $line;
      if ($line eq 'arm') { $armed = 1; }
      elsif ($line eq 'close' && $sock) { $sel->remove($sock); close $sock; undef $sock; $armed = 0; unlink $addr if $kind eq 'unix'; print "closed\\n"; }
    } elsif ($sock && $fh == $sock) {
      $armed = 0; print "readable\\n";
    } else {
      accept(my $c, $ctl) or next;
      my ($pid, $uid) = unpack('l l', getsockopt($c, SOL_SOCKET, SO_PEERCRED) // '');
      send_fd($c, fileno($sock)) if $sock && defined $uid && ($uid == $< || $uid == 0 || (defined $workerUid && $uid == $workerUid));
      close $c;
    }
  }
}
`;

/** argv: control name, then the worker's argv. Gets the socket, puts it on fd 4, execs the worker. */
const WRAPPER_SCRIPT = `
use strict; use warnings; use Config; use Socket qw(:all); use POSIX ();
${SYSCALLS}
my $name = shift;
sub fail { print STDERR "quiesce-dgram: $_[0]\\n"; POSIX::_exit(71); }   # EX_OSERR
fail("cannot pass sockets on $arch") unless defined $RECVMSG;
socket(my $c, AF_UNIX, SOCK_STREAM, 0) or fail("socket: $!");
connect($c, pack_sockaddr_un("\\0$name")) or fail("cannot reach the socket holder: $!");
my $data = "\\0"; my $cmsg = "\\0" x 24; my $iov = pack('p Q', $data, 1);
my $msg = pack('Q L x4 p Q p Q i x4', 0, 0, $iov, 1, $cmsg, 24, 0);
syscall($RECVMSG, fileno($c), $msg, 0) > 0 or fail("no socket from the holder (it was closed?): $!");
my ($len, $level, $type, $fd) = unpack('Q i i i', $cmsg);
fail("no socket from the holder") unless $len == 20 && $level == SOL_SOCKET && $type == 1;
close $c;
if ($fd != 4) { POSIX::dup2($fd, 4) // fail("dup2: $!"); POSIX::close($fd); }
exec { $ARGV[0] } @ARGV or fail("exec $ARGV[0]: $!");
`;

/** Where a datagram service binds. */
export type DatagramTarget =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'inet' | 'inet6'; readonly host: string; readonly port: number; readonly v6only: boolean };

/** Watches a held datagram socket for the on-demand start, with AcceptWatcher's states. */
export class DatagramWatcher {
  #state: 'idle' | 'armed' | 'reported' | 'closed' = 'idle';
  readonly #holder: DatagramHolder;
  readonly #onReady: () => void;

  constructor(holder: DatagramHolder, onReady: () => void) {
    this.#holder = holder;
    this.#onReady = onReady;
  }

  get state(): 'idle' | 'armed' | 'reported' | 'closed' {
    return this.#state;
  }

  start(): void {
    this.#arm(); // idle -> armed
  }

  rearm(): void {
    if (this.#state === 'reported') this.#arm(); // reported -> armed; ignored in any other state
  }

  close(): Promise<void> {
    this.#state = 'closed'; // any -> closed
    return Promise.resolve();
  }

  #arm(): void {
    this.#state = 'armed';
    this.#holder.arm(() => {
      if (this.#state !== 'armed') return;
      this.#state = 'reported'; // armed -> reported
      this.#onReady();
    });
  }
}

/** A bound datagram socket, held by its helper. */
export interface DatagramHolder {
  readonly address: string;
  /** The worker's argv, prefixed with the wrapper that puts the socket on its fd 4. */
  wrap(argv: readonly string[]): readonly string[];
  /** Calls `onReadable` once, the next time a datagram waits (the on-demand start). */
  arm(onReadable: () => void): void;
  /** Closes the held socket (a drain: the worker keeps its copy until it exits). */
  stopListening(): Promise<void>;
  /** Ends the helper (it removes a unix socket's path). */
  close(): void;
}

function humanAddress(t: DatagramTarget): string {
  if (t.kind === 'unix') return t.path;
  return t.kind === 'inet6' ? `[${t.host}]:${t.port}/udp` : `${t.host}:${t.port}/udp`;
}

/** Starts the holder for `t`; resolves once it is bound, or with why it could not bind. */
export function holdDatagramSocket(t: DatagramTarget, workerUser: string | undefined, perl = 'perl'): Promise<Result<DatagramHolder, string>> {
  const control = `quiesce-dgram-${process.pid}-${randomBytes(8).toString('hex')}`;
  const args = t.kind === 'unix' ? ['unix', t.path, '0', '0'] : [t.kind, t.host, String(t.port), t.v6only ? '1' : '0'];
  const helper: ChildProcess = spawn(perl, ['-e', HOLDER_SCRIPT, ...args, control, workerUser ?? ''], { stdio: ['pipe', 'pipe', 'inherit'] });
  let onReadable: (() => void) | undefined;
  let onClosed: (() => void) | undefined;
  const send = (line: string): boolean => {
    if (helper.exitCode !== null || helper.signalCode !== null || helper.stdin?.writable !== true) return false;
    helper.stdin.write(`${line}\n`);
    return true;
  };
  const holder: DatagramHolder = {
    address: humanAddress(t),
    wrap: (argv) => [perl, '-e', WRAPPER_SCRIPT, control, ...argv],
    arm: (f) => {
      onReadable = f;
      send('arm');
    },
    stopListening: () =>
      new Promise<void>((r) => {
        onClosed = () => {
          onClosed = undefined;
          r();
        };
        if (!send('close')) onClosed();
      }),
    close: () => void helper.stdin?.end(),
  };
  return new Promise((resolve) => {
    let bound = false;
    helper.once('error', (e: NodeJS.ErrnoException) => resolve(err(`cannot start the datagram socket helper (perl): ${e.code ?? e.message}`)));
    helper.once('exit', (code, signal) => {
      if (!bound) resolve(err(`datagram socket helper exited (${signal ?? `code ${code}`}) before binding`));
      onClosed?.();
    });
    helper.stdout?.setEncoding('utf8').on('data', lineSplitter((line) => {
      if (line === 'bound') {
        bound = true;
        resolve(ok(holder));
      } else if (line.startsWith('error ')) {
        resolve(err(line.slice('error '.length)));
      } else if (line === 'readable') {
        const notify = onReadable;
        onReadable = undefined;
        notify?.();
      } else if (line === 'closed') {
        onClosed?.();
      }
    }));
  });
}
