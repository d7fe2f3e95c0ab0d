/**
 * Numbers, durations, dates and times for people, through Intl (the same helpers in the Studio
 * and on the listener page).
 */

/** 1:02:03 or 02:03 (a running clock), digits in the locale's numbering system. */
export function formatClock(ms: number, locale: string): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const two = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false });
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${new Intl.NumberFormat(locale).format(h)}:${two.format(m)}:${two.format(s)}` : `${two.format(m)}:${two.format(s)}`;
}

/** "45 min", "1 h 30 min": a length of time in the locale's words. */
export function formatMinutes(minutes: number, locale: string): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const unit = (value: number, u: 'hour' | 'minute'): string => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' }).format(value);
  if (h === 0) return unit(m, 'minute');
  return m === 0 ? unit(h, 'hour') : `${unit(h, 'hour')} ${unit(m, 'minute')}`;
}

export function formatNumber(n: number, locale: string, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale, options).format(n);
}

/** A decibel value with its sign: "+6 dB", "-6 dB", "0 dB". */
export function formatDb(db: number, locale: string, digits = 0): string {
  return `${new Intl.NumberFormat(locale, { signDisplay: 'exceptZero', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(db)} dB`;
}

export function formatDateTime(ms: number, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(ms);
}

export function formatTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(ms);
}
