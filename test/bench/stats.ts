// Summaries of repeated measurements.

/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A number measured over repetitions: the median, and the range when there was more than one. */
export interface Measured {
  readonly value: number;
  readonly lo?: number;
  readonly hi?: number;
}

/** Median and range of the repetitions. */
export function summarize(values: readonly number[]): Measured {
  if (values.length <= 1) return { value: values[0] ?? NaN };
  return { value: median(values), lo: Math.min(...values), hi: Math.max(...values) };
}
