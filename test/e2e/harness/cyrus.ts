// Whether the real Cyrus binaries can run here, and a `describe` that skips (or fails) when not.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/** Debian's LIBEXEC_DIR, where imapd, lmtpd, sync_client, ... live. */
export const CYRUS_BIN = '/usr/lib/cyrus/bin';
/** The account Cyrus programs drop to when started as root (Debian: uid 103, group mail). */
export const CYRUS_USER = 'cyrus';
export const CYRUS_GROUP = 'mail';

/** Absolute path of a Cyrus program, e.g. `cyrusBin('imapd')`. */
export function cyrusBin(program: string): string {
  return `${CYRUS_BIN}/${program}`;
}

/** Why the e2e tests cannot run here, or undefined when they can. */
export function cyrusUnavailableReason(): string | undefined {
  for (const program of ['imapd', 'lmtpd', 'ctl_cyrusdb']) {
    if (!existsSync(cyrusBin(program))) return `${cyrusBin(program)} is absent (install cyrus-imapd)`;
  }
  // instances are chowned to the cyrus user, which only root can do
  if (process.getuid?.() !== 0) return 'the e2e tests must run as root (they chown the instance to cyrus)';
  try {
    execFileSync('id', [CYRUS_USER], { stdio: 'ignore' });
  } catch {
    return `there is no '${CYRUS_USER}' user`;
  }
  return undefined;
}

/** True when a real Cyrus can be built and driven here. */
export function cyrusAvailable(): boolean {
  return cyrusUnavailableReason() === undefined;
}

/** 'run' with Cyrus; without it 'skip', or 'fail' when QUIESCE_REQUIRE_CYRUS=1 (CI that must run them). */
export function cyrusTestMode(): 'run' | 'skip' | 'fail' {
  if (cyrusAvailable()) return 'run';
  return process.env.QUIESCE_REQUIRE_CYRUS === '1' ? 'fail' : 'skip';
}

/** `describe` for suites that need real Cyrus: runs, skips, or fails with the reason (see cyrusTestMode). */
export function describeCyrus(name: string, body: () => void): void {
  switch (cyrusTestMode()) {
    case 'run':
      describe(name, body);
      return;
    case 'skip':
      describe.skip(name, body);
      return;
    case 'fail':
      describe(name, () => {
        it('needs real Cyrus binaries', () => {
          throw new Error(`QUIESCE_REQUIRE_CYRUS=1 but Cyrus cannot run: ${cyrusUnavailableReason() ?? '?'}`);
        });
      });
      return;
  }
}
