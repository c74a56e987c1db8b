// Small helpers the benchmarks share.

/** The value below which a fraction `q` of `values` lie (nearest rank, no interpolation). */
export const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
