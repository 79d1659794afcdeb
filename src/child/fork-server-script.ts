// The fork server's Perl program (see fork-server.ts for why it exists and for the protocol).
//
// Perl from perl-base only (POSIX), so it runs on every Debian system. One select() loop over:
// fd 0 (requests from quiesce), a self-pipe written by the SIGCHLD handler, per child its
// exec-error pipe and its stderr (and stdout) pipes, and the listening socket of a staged start.
// Everything read is framed and written to fd 1 in one write per loop turn.
//
// A child: new session (setsid), fds 0..N laid out exactly as asked, every other fd closed (or
// close-on-exec), signals back to their defaults, then, when asked, the user, group and groups and
// the parent-death signal (what `setpriv --reuid --regid --init-groups --pdeathsig` does, in the same
// order: the signal after the uid change, which would clear it), then exec. If a step or the exec
// fails, its errno goes back on the exec-error pipe and the child exits 127 unseen: quiesce gets
// 'F' instead of 'P'.
//
// Inherited sockets sit on fds 10 and up; fds 3..9 are held on /dev/null, so no pipe Perl opens
// can land on a fd a child wants laid out (every source is >= 10, every target <= 9).
export const FORK_SERVER_SCRIPT = String.raw`
use strict; use warnings; use POSIX ();
$0 = "quiesce-fork-server";
my $nsock = shift(@ARGV) // 0;
my $fifo = shift(@ARGV) // die "usage: fork-server NSOCK STATUS-FIFO [CLOSE_RANGE-NR]\n";
my $close_range = shift(@ARGV) // "";
my $FIRST = 10;
my $server = $$;
my @hold;
for my $fd (3 .. $FIRST - 1) { open(my $h, "<", "/dev/null") or die "open /dev/null: $!\n"; push @hold, $h; }
for my $fd ($FIRST .. $FIRST + $nsock - 1) {
  open(my $h, "<&=", $fd) or die "fd $fd: $!\n";
  my $fl = fcntl($h, POSIX::F_GETFD(), 0) or die "fcntl $fd: $!\n";
  fcntl($h, POSIX::F_SETFD(), $fl | POSIX::FD_CLOEXEC()) or die "fcntl $fd: $!\n";
  push @hold, $h;
}
# The status pipe every worker writes to (its fd 3): a FIFO, opened read-write so that it never
# blocks and never sees EOF; quiesce opens it for reading on 'R' and removes the name.
POSIX::mkfifo($fifo, 0600) or die "mkfifo $fifo: $!\n";
open(my $status, "+<", $fifo) or die "open $fifo: $!\n";
pipe(my $sigr, my $sigw) or die "pipe: $!\n";
nonblocking($sigr); nonblocking($sigw);
$SIG{CHLD} = sub { syswrite($sigw, "c"); };
$SIG{PIPE} = "IGNORE";

my $rin = "";
vec($rin, 0, 1) = 1; vec($rin, fileno($sigr), 1) = 1;
my %reader;   # fileno => [fh, kind ('F' exec error, 'E' stderr, 'O' stdout), id]
my %kid;      # pid => { id, exec (fh while the exec result is unknown) }
my %staged;   # id => [socket fd, prepared start]: a start held until a client waits on that socket
my $out = "";
my $in = "";

sub frame { my ($type, $id, $data) = @_; my $p = $type . pack("N", $id) . $data; $out .= pack("N", length $p) . $p; }
sub watch { my ($fh, $kind, $id) = @_; my $n = fileno($fh); $reader{$n} = [$fh, $kind, $id]; vec($rin, $n, 1) = 1; }
sub unwatch { my ($n) = @_; my $r = delete $reader{$n} or return; vec($rin, $n, 1) = 0; close($r->[0]); }

# The exec result of a child: EOF on its exec-error pipe (exec happened: 'P'), or its errno ('F').
sub exec_result {
  my ($pid) = @_;
  my $k = $kid{$pid}; my $fh = $k->{exec} or return;
  my $got = sysread($fh, my $buf, 16);
  delete $k->{exec}; unwatch(fileno($fh));
  if ($got) { frame("F", $k->{id}, pack("N", 0 + $buf)); $k->{failed} = 1; }
  else { frame("P", $k->{id}, pack("N", $pid)); }
}

# In a child: become uid/gid with exactly these groups (comma-separated), then ask for signal $sig
# when the fork server dies (prctl(2) through syscall number $nr: Perl has no prctl). Each step is
# checked: a failed setgroups does not fail the assignment to $), so the groups are read back.
sub become {
  my ($uid, $gid, $groups, $sig, $nr) = @_;
  if ($uid ne "") {
    my @want = $groups eq "" ? ($gid) : split(/,/, $groups);
    $) = join(" ", $gid, @want);
    my @have = split(/ /, $)); shift(@have);
    my %have = map { ($_ => 1) } @have;
    if (grep { !$have{$_} } @want or grep { my $g = $_; !grep { $_ == $g } @want } @have) { $! = POSIX::EPERM(); return 0; }
    defined POSIX::setgid($gid) or return 0;
    defined POSIX::setuid($uid) or return 0;
    if ($< != $uid || $> != $uid || (split(/ /, $())[0] != $gid) { $! = POSIX::EPERM(); return 0; }
  }
  if ($sig ne "") {
    syscall(0 + $nr, 1, 0 + $sig) == 0 or return 0;
    # the fork server died before the signal was set: nobody would send it
    if (getppid() != $server) { $! = POSIX::ESRCH(); return 0; }
  }
  return 1;
}

# A staged start: forked once its socket is readable (a client waits), as Cyrus master forks from its
# select loop; until then the socket is in the select set.
# It is prepared (its pipes made) when it is staged, so that a waiting client costs only the fork.
sub stage { my ($fd, $s) = @_; $staged{$s->{id}} = [$fd, $s]; vec($rin, $fd, 1) = 1; }
# Takes a staged start off the select set: its prepared start, undef when none is staged as $id.
sub unstage {
  my ($id) = @_;
  my $s = delete $staged{$id} or return;
  vec($rin, $s->[0], 1) = 0 unless grep { $_->[0] == $s->[0] } values %staged;
  return $s->[1];
}
# Cancels a staged start: its pipes closed, 'K' to quiesce.
sub cancel { my ($id) = @_; my $s = unstage($id) or return; close($_) for handles($s); frame("K", $id, ""); }
# A client waits on socket fd $fd: every start staged on it is forked now.
sub client_waiting { my ($fd) = @_; launch(map { unstage($_) } grep { $staged{$_}[0] == $fd } keys %staged); }

sub nonblocking { my ($fh) = @_; my $f = fcntl($fh, POSIX::F_GETFL(), 0); fcntl($fh, POSIX::F_SETFL(), $f | POSIX::O_NONBLOCK()); }

# "S\0..." starts a child, at once or staged (prepare); "C\0id" cancels a staged start ('K' when it
# was still staged, nothing when it was forked: its 'P' or 'F' says so); "D\0id\0k" shuts down the
# reading side of the k-th socket (SHUT_RD is 0 on Linux) for every process that holds it: new
# clients are refused at once (and the starts staged on it are cancelled). The starts of one read
# are forked together (launch), after the requests before a C or D.
my @batch;
# Starts forked together at most (measured with 500 starts of /bin/sleep asked at once: 0.4 ms of the
# fork server's CPU and 38 page faults per start in batches of 16, against 0.64 ms and 100 one by
# one; batches as large as a read (about 40) fault less but hold more at once: 1.5 MB more RSS).
my $BATCH = 16;
sub request {
  my ($p) = @_;
  my $verb = substr($p, 0, 2, "");
  if ($verb eq "S\0") { my $s = prepare($p); push @batch, $s if $s; launch(splice(@batch)) if @batch >= $BATCH; return; }
  launch(splice(@batch)) if @batch;
  if ($verb eq "C\0") { cancel(0 + $p); return; }
  if ($verb eq "D\0") {
    my ($id, $k) = split(/\0/, $p, -1);
    cancel($_) for grep { $staged{$_}[0] == $FIRST + $k } keys %staged;
    my $h = $hold[$FIRST - 3 + $k];
    my $ok = defined $h && shutdown($h, 0);
    return frame("D", $id, pack("N", $ok ? 0 : (0 + $!) || 1));
  }
}

# A start request parsed, its pipes made: what its fork needs. undef when it is staged (held until
# a client waits) or when it failed ('F' sent).
sub prepare {
  my ($p) = @_;
  my @f = split(/\0/, $p, -1);
  my $id = 0 + $f[0]; my $cwd = $f[1]; my $i = 2;
  my @argv = @f[$i + 1 .. $i + $f[$i]]; $i += 1 + $f[$i];
  my @env = @f[$i + 1 .. $i + $f[$i]]; $i += 1 + $f[$i];
  my $stdout = $f[$i++];
  my @fds = @f[$i + 1 .. $i + $f[$i]]; $i += 1 + $f[$i];
  my @as = @f[$i .. $i + 4];
  my $wait = $f[$i + 5] // "";
  my $s = { id => $id, cwd => $cwd, argv => \@argv, env => \@env, as => \@as, theirs => [], ours => [] };
  pipe(my $er, my $ew) or return failed($s);
  $s->{er} = $er; $s->{ew} = $ew; push @{$s->{theirs}}, $ew;
  open(my $null, "+<", "/dev/null") or return failed($s);
  push @{$s->{theirs}}, $null;
  pipe(my $xr, my $xw) or return failed($s);
  push @{$s->{ours}}, [$xr, "E"]; push @{$s->{theirs}}, $xw;
  my $ow;
  if ($stdout eq "p") { pipe(my $or, $ow) or return failed($s); push @{$s->{ours}}, [$or, "O"]; push @{$s->{theirs}}, $ow; }
  # None keeps a PerlIO buffer layer (":pop" leaves the raw :unix one; only sysread and syswrite
  # use them): Perl's fork() flushes every buffered handle first, and that walk over a buffer per
  # live worker wrote to pages the previous child still shared, a copy-on-write fault each
  # (measured: 200 page faults and 0.8 ms of CPU per start with 500 workers, against 100 and 0.45
  # ms without the layer).
  binmode($_, ":pop") for handles($s);
  my @src = (fileno($null), $ow ? fileno($ow) : fileno($null), fileno($xw));
  for my $spec (@fds) {
    if ($spec eq "s") { push @src, fileno($status); }
    elsif ($spec eq "-") { push @src, -1; }
    else { push @src, $FIRST + $spec; }
  }
  $s->{src} = \@src;
  if ($wait ne "") { stage($FIRST + $wait, $s); return; }
  return $s;
}

# Every handle a prepared start holds: the exec-error pipe's read end, ours, and the child's.
sub handles { my ($s) = @_; return (grep({ defined } $s->{er}), map({ $_->[0] } @{$s->{ours}}), @{$s->{theirs}}); }

# A start that could not be made: its errno to quiesce, its pipes closed. undef.
sub failed {
  my ($s) = @_;
  my $e = 0 + $!;
  close($_) for handles($s);
  frame("F", $s->{id}, pack("N", $e));
  return;
}

# Forks each prepared start in a row, then does the bookkeeping of each. After a fork every page
# the fork server writes is a copy-on-write fault, a copy while that child has not exec'd yet, so
# little is written between two forks (measured with 500 starts of /bin/sleep asked at once).
sub launch {
  my @pids = map { fork_one($_) } @_;
  for my $n (0 .. $#_) {
    my ($s, $pid) = ($_[$n], $pids[$n]);
    if (!defined $pid) { failed($s); next; }
    close($_) for @{$s->{theirs}};
    $kid{$pid} = { id => $s->{id}, exec => $s->{er}, fds => [map { fileno($_->[0]) } @{$s->{ours}}] };
    watch($s->{er}, "F", $pid);
    for my $o (@{$s->{ours}}) { nonblocking($o->[0]); watch($o->[0], $o->[1], $s->{id}); }
  }
}

# The fork; in the child, the fds laid out, the rest closed, signals reset, the user, then the exec.
sub fork_one {
  my ($s) = @_;
  my $pid = fork();
  return $pid if !defined $pid || $pid != 0;
  my ($ew, @src) = ($s->{ew}, @{$s->{src}});
  POSIX::setsid();
  for my $t (0 .. $#src) { if ($src[$t] < 0) { POSIX::close($t); } elsif (!defined POSIX::dup2($src[$t], $t)) { syswrite($ew, 0 + $!); POSIX::_exit(127); } }
  # nothing else stays open: not the fork server's own fds, nor any it inherited. close_range(2)
  # with CLOSE_RANGE_CLOEXEC (4) marks them all at once (the exec-error pipe closes at the exec as
  # before); where it is missing (Linux < 5.11), they are listed in /proc/self/fd and closed.
  if ($close_range eq "" || syscall(0 + $close_range, scalar(@src), 4294967295, 4) != 0) {
    my $keep = fileno($ew);
    if (opendir(my $d, "/proc/self/fd")) { my @open = grep { /^\d+$/ && $_ >= @src && $_ != $keep } readdir($d); closedir($d); POSIX::close($_) for @open; }
    else { POSIX::close($_) for scalar(@src) .. $FIRST - 1; }
  }
  $SIG{CHLD} = "DEFAULT"; $SIG{PIPE} = "DEFAULT";
  POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new());
  if ($s->{cwd} ne "" && !chdir($s->{cwd})) { syswrite($ew, 0 + $!); POSIX::_exit(127); }
  if (!become(@{$s->{as}})) { syswrite($ew, 0 + $!); POSIX::_exit(127); }
  %ENV = map { my ($k, $v) = split(/=/, $_, 2); ($k, $v // "") } @{$s->{env}};
  my @argv = @{$s->{argv}};
  { no warnings; exec { $argv[0] } @argv; }
  syswrite($ew, 0 + $!);
  POSIX::_exit(127);
}

sub reap {
  for (;;) {
    my $pid = waitpid(-1, POSIX::WNOHANG());
    last if $pid <= 0;
    my $st = $?;
    my $k = $kid{$pid} or next;
    exec_result($pid) if $k->{exec};
    delete $kid{$pid};
    # what the child wrote before it died comes first
    for my $n (@{$k->{fds}}) { drain($n) if $reader{$n} && $reader{$n}[2] == $k->{id}; }
    frame("X", $k->{id}, pack("N", $st)) unless $k->{failed};
  }
}

sub drain {
  my ($n) = @_;
  my $r = $reader{$n} or return;
  for (;;) {
    my $got = sysread($r->[0], my $buf, 65536);
    if (!defined $got) { return if $!{EAGAIN} || $!{EINTR}; unwatch($n); return; }
    if ($got == 0) { unwatch($n); return; }
    frame($r->[1], $r->[2], $buf);
  }
}

frame("R", 0, "");
for (;;) {
  if (length $out) { my $w = syswrite(STDOUT, $out); exit 0 unless defined $w || $!{EINTR}; substr($out, 0, $w // 0) = ""; next if length $out; }
  my $n = select(my $got = $rin, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!\n"; }
  if (vec($got, fileno($sigr), 1)) { sysread($sigr, my $b, 512); reap(); }
  if (vec($got, 0, 1)) {
    my $r = sysread(STDIN, my $buf, 65536);
    if (!defined $r) { die "read: $!\n" unless $!{EINTR}; }
    elsif ($r == 0) { exit 0; }
    else {
      $in .= $buf;
      while (length($in) >= 4) { my $len = unpack("N", $in); last if length($in) < 4 + $len; request(substr($in, 4, $len)); substr($in, 0, 4 + $len) = ""; }
      launch(splice(@batch)) if @batch;
    }
  }
  vec($got, 0, 1) = 0; vec($got, fileno($sigr), 1) = 0;
  my $bits = unpack("b*", $got); my @ready;
  while ($bits =~ /1/g) { push @ready, pos($bits) - 1; }
  for my $fd (@ready) {
    if ($fd >= $FIRST && $fd < $FIRST + $nsock) { client_waiting($fd); next; }
    my $r = $reader{$fd} or next;
    if ($r->[1] eq "F") { exec_result($r->[2]); } else { drain($fd); }
  }
}
`;
