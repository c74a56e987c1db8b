// Small helpers the benchmarks share.

/** The value below which a fraction `q` of `values` lie (nearest rank, no interpolation). */
export const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

/** Runs a benchmark and exits with its outcome: servers it stopped may leave handles that would keep the process up. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
