// The sizes of every scenario: the full run, and QUICK=1 (a smoke run of about a minute).

/** Every number the scenarios use; the units are in the names. */
export interface Settings {
  readonly quick: boolean;
  readonly storm: {
    readonly connections: number; readonly concurrency: readonly number[]; readonly prefork: readonly number[]; readonly reps: number; readonly settleMs: number; readonly sessionTimeoutMs: number;
    /** The "as shipped" points: master at its stock backlog (`-l` default 32) against quiesce at its default, at the largest C. */
    readonly stockBacklog: number; readonly stockPrefork: readonly number[];
  };
  /** Storm points on workers already started: `warmup` connections first (not measured), so the pool has grown to the load. */
  readonly steady: { readonly prefork: readonly number[]; readonly concurrency: number; readonly warmup: number; readonly connections: number; readonly reps: number; readonly settleMs: number; readonly sessionTimeoutMs: number };
  readonly onDemand: { readonly samples: number; readonly reps: number; readonly settleMs: number };
  readonly stop: { readonly workers: readonly number[]; readonly reps: number; readonly settleMs: number; readonly timeoutMs: number };
  readonly refill: { readonly prefork: number; readonly kills: readonly number[]; readonly reps: number; readonly settleMs: number; readonly timeoutMs: number };
  readonly footprint: { readonly workers: number; readonly idleMs: number; readonly settleMs: number };
  readonly failover: { readonly deliveries: number; readonly parallel: number; readonly reps: number };
  /** listen(2) backlog of both (master `-l`, quiesce `listen_backlog`): quiesce's default. */
  readonly backlog: number;
  readonly readyTimeoutMs: number;
}

const FULL: Settings = {
  quick: false,
  storm: { connections: 200, concurrency: [1, 16, 64], prefork: [0, 5, 50], reps: 3, settleMs: 300, sessionTimeoutMs: 15_000, stockBacklog: 32, stockPrefork: [0, 5, 50] },
  steady: { prefork: [0, 5, 50], concurrency: 16, warmup: 1000, connections: 3000, reps: 3, settleMs: 300, sessionTimeoutMs: 15_000 },
  onDemand: { samples: 10, reps: 3, settleMs: 300 },
  stop: { workers: [10, 100, 500], reps: 3, settleMs: 1_000, timeoutMs: 60_000 },
  refill: { prefork: 50, kills: [4, 50], reps: 3, settleMs: 1_000, timeoutMs: 12_000 },
  footprint: { workers: 100, idleMs: 30_000, settleMs: 2_000 },
  failover: { deliveries: 200, parallel: 4, reps: 3 },
  backlog: 1024,
  readyTimeoutMs: 120_000,
};

const QUICK: Settings = {
  ...FULL,
  quick: true,
  storm: { ...FULL.storm, connections: 100, reps: 1 },
  steady: { ...FULL.steady, connections: 1000, reps: 1 },
  onDemand: { ...FULL.onDemand, samples: 5, reps: 1 },
  stop: { ...FULL.stop, workers: [10, 100], reps: 1 },
  refill: { ...FULL.refill, reps: 1, timeoutMs: 5_000 },
  footprint: { ...FULL.footprint, idleMs: 5_000 },
  failover: { ...FULL.failover, reps: 1 },
};

/** QUICK=1 selects the smoke sizes; BENCH_ONLY=storm,storm-busy,steady,ondemand,stop,refill,footprint,failover runs a subset. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): { settings: Settings; only: ReadonlySet<string> | undefined } {
  const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
  return { settings: env.QUICK === '1' ? QUICK : FULL, only };
}
