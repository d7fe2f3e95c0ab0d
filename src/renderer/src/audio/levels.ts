export const dbToGain = (db: number): number => 10 ** (db / 20);
export const toDb = (x: number): number => (x > 0 ? 20 * Math.log10(x) : -Infinity);

