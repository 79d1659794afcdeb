// quiesce in a network namespace of its own (and a mount namespace): a config that listens on every
// address (Debian's stock cyrus.conf) is reachable only from inside, through nsenter. Only loopback
// exists there. When the host has a syslog socket at /dev/log, the namespace gets a private /dev
// without it, so quiesce's syslog sink can bind /dev/log for the Cyrus programs. Or quiesce on the
// host's network with a private /dev only (startWithOwnDevLog), for a replication pair.
import { execFile } from 'node:child_process';
import { CLI, startQuiesce, type Quiesce } from '../../integration/harness.js';

/** Mounts a private /dev (tmpfs) with the few devices programs need, and no /dev/log. */
const PRIVATE_DEV = `
old=$(mktemp -d /tmp/quiesce-olddev-XXXXXX)
mount --bind /dev "$old"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero full random urandom tty; do touch /dev/$n; mount --bind "$old/$n" /dev/$n; done
mkdir /dev/pts /dev/shm && mount --bind "$old/pts" /dev/pts && mount -t tmpfs tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd
umount "$old" && rmdir "$old"
`;

const SETUP = `
set -e
ip link set lo up
if [ -e /dev/log ] || [ -L /dev/log ]; then
${PRIVATE_DEV}
fi
exec "$@"
`;

/** Starts `quiesce <args>` in new network and mount namespaces (unshare execs: the pid is quiesce's). */
export function startInNamespace(dir: string, args: string[]): Quiesce {
  return startQuiesce(dir, '', args, {}, ['unshare', '--mount', '--net', '--', 'sh', '-c', SETUP, 'sh', process.execPath, CLI]);
}

/**
 * Starts `quiesce <args>` in a mount namespace of its own with a private /dev, on the host's
 * network: `syslog_socket: /dev/log` then receives its Cyrus children's syslog(3) lines only,
 * whether or not the host has a syslog daemon.
 */
export function startWithOwnDevLog(dir: string, args: string[]): Quiesce {
  return startQuiesce(dir, '', args, {}, ['unshare', '--mount', '--', 'sh', '-c', `set -e\n${PRIVATE_DEV}\nexec "$@"`, 'sh', process.execPath, CLI]);
}

/** Runs `argv` in the network namespace of process `pid`; resolves with its exit code and output. */
export function inNamespaceOf(pid: number, argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('nsenter', ['-t', String(pid), '-n', '--', ...argv], { timeout: 20_000 }, (error, out, err) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out, err });
    });
  });
}
