// A world for unit tests of units: a config from YAML text, the manual clock, an in-memory log and
// fake processes. Nothing is spawned; time moves only when the test advances it.
import { expect } from 'vitest';
import { StopLevel } from '../../../src/child/stop-level.js';
import { ManualClock } from '../../../src/clock.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { memoryLog } from '../../../src/log.js';
import type { LogEventName } from '../../../src/log-events.js';
import type { UnitDeps } from '../../../src/service/unit.js';
import { fakeSpawner, settle } from '../fake-process.js';

/** Parses `yaml` as /etc/quiesce/test.yaml, or fails the test with the diagnostics. */
export function configOf(yaml: string): Config {
  const r = parseConfigText(yaml, '/etc/quiesce/test.yaml', { checkExecutables: false });
  if (!r.ok) throw new Error(r.error.map((d) => d.message).join('\n'));
  return r.value;
}

/** `staging`: on-demand starts are staged, as with a fork server (UnitDeps.canStage) while `staging.on`. */
export function unitWorld(yaml: string, startMs = 1_000_000, staging?: { on: boolean }) {
  const config = configOf(yaml);
  const clock = new ManualClock(startMs);
  const log = memoryLog();
  const fakes = fakeSpawner(clock, undefined, staging !== undefined);
  let tags = 0;
  const canStage = staging === undefined ? undefined : () => staging.on;
  const deps: UnitDeps = { clock, log, settings: () => config.supervisor, nextTag: () => `t${++tags}`, spawn: fakes.spawn, canStage };
  return {
    config, clock, log, deps, ...fakes,
    /** Moves the clock and lets every callback that follows run. */
    advance: async (ms: number): Promise<void> => {
      clock.advance(ms);
      await settle();
    },
    /** The events named `name`, in order. */
    events: <N extends LogEventName>(name: N) => log.events.filter((e) => e.event === name) as Extract<(typeof log.events)[number], { event: N }>[],
    level: (): StopLevel => new StopLevel('stop', clock),
    /** The latest fake, which must exist. */
    last: () => {
      const p = fakes.spawned.at(-1);
      expect(p).toBeDefined();
      return p!;
    },
  };
}
