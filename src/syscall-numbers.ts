// System call numbers for the Perl helpers (Perl has syscall(2), not the calls themselves), per
// architecture as Node names it (process.arch), from the kernel's syscall tables. An architecture
// not listed gets the fallback each user names.

/**
 * prctl(2): x86_64 157; the generic table of arm64 and riscv64 167; i386 and arm 172. The fork
 * server sets a worker's parent-death signal with it (else setpriv does), the PID-1 shim makes
 * itself a child subreaper (else orphans go to PID 1).
 */
export const PRCTL_SYSCALL: Readonly<Partial<Record<NodeJS.Architecture, number>>> = { x64: 157, arm64: 167, riscv64: 167, ia32: 172, arm: 172 };

/**
 * close_range(2) (Linux 5.9; CLOSE_RANGE_CLOEXEC since 5.11), the same on every architecture's
 * table since Linux 5.1 (MIPS excepted: not listed). A fork server's child marks every fd it must
 * not keep with one call (else it lists /proc/self/fd; see fork-server.ts for what that cost).
 */
export const CLOSE_RANGE_SYSCALL: Readonly<Partial<Record<NodeJS.Architecture, number>>> = { x64: 436, arm64: 436, riscv64: 436, ia32: 436, arm: 436, ppc64: 436, s390x: 436, loong64: 436 };
