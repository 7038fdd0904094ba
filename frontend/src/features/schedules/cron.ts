/**
 * A five-field cron reader (minute hour day-of-month month day-of-week, with lists, ranges,
 * steps and names) and the next fire times in a given IANA time zone, for the schedule helper.
 * The scheduler on the server stays the authority; this only shows the user what they wrote.
 */

export interface CronSpec {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function parseField(text: string, min: number, max: number, names?: string[]): number[] {
  const values = new Set<number>();
  const num = (s: string): number => {
    const lowered = s.toLowerCase();
    const named = names ? names.indexOf(lowered) : -1;
    if (named >= 0) return named + (min === 1 ? 1 : 0);
    if (!/^\d+$/.test(s)) throw new Error(`bad value ${s}`);
    return Number(s);
  };
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    if (range === undefined || range === "" || (stepText !== undefined && !/^\d+$/.test(stepText))) throw new Error(`bad part ${part}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new Error("step must be positive");
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = min;
      hi = max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      lo = num(a ?? "");
      hi = num(b ?? "");
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`out of range ${part}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Parse a cron expression; throws an Error on anything the scheduler would refuse. */
export function parseCron(expression: string): CronSpec {
  const text = MACROS[expression.trim().toLowerCase()] ?? expression.trim();
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new Error("five fields expected");
  const [m, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const weekdays = parseField(dow, 0, 7, WEEKDAYS).map((d) => (d === 7 ? 0 : d));
  return {
    minutes: parseField(m, 0, 59),
    hours: parseField(h, 0, 23),
    days: new Set(parseField(dom, 1, 31)),
    months: new Set(parseField(mon, 1, 12, MONTHS)),
    weekdays: new Set(weekdays),
    dayRestricted: dom !== "*" && !dom.startsWith("*/"),
    weekdayRestricted: dow !== "*" && !dow.startsWith("*/"),
  };
}

export function isValidCron(expression: string): boolean {
  try {
    parseCron(expression);
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function wallOf(instant: number, timeZone: string): Wall {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    partsFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour) % 24, mi: Number(p.minute) };
}

/** The instant at which the wall clock in `timeZone` shows this time (DST gaps move forward). */
function instantOf(w: Wall, timeZone: string): number {
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = wallOf(guess, timeZone);
    const offset = Date.UTC(seen.y, seen.mo - 1, seen.d, seen.h, seen.mi) - guess;
    const next = asUtc - offset;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

/** The next `count` fire times after `from`, as instants (ms since the epoch). */
export function nextFireTimes(expression: string, timeZone: string, count = 5, from: number = Date.now()): number[] {
  const spec = parseCron(expression);
  const now = wallOf(from, timeZone);
  const out: number[] = [];
  const day = new Date(Date.UTC(now.y, now.mo - 1, now.d));
  for (let i = 0; i < 366 * 5 && out.length < count; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    const y = day.getUTCFullYear();
    const mo = day.getUTCMonth() + 1;
    const d = day.getUTCDate();
    if (!spec.months.has(mo)) continue;
    const domOk = spec.days.has(d);
    const dowOk = spec.weekdays.has(day.getUTCDay());
    const dayOk = spec.dayRestricted && spec.weekdayRestricted ? domOk || dowOk : domOk && dowOk;
    if (!dayOk) continue;
    for (const h of spec.hours) {
      for (const mi of spec.minutes) {
        if (i === 0 && (h < now.h || (h === now.h && mi <= now.mi))) continue;
        const instant = instantOf({ y, mo, d, h, mi }, timeZone);
        if (instant > from && !out.includes(instant)) out.push(instant);
        if (out.length >= count) return out;
      }
    }
  }
  return out;
}

/** "Saturday, 28 November 2026, 03:00 (in 19 hours)" in the user's language and the schedule's zone. */
export function describeFireTime(instant: number, timeZone: string, locale: string, now: number = Date.now()): string {
  const when = new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(instant));
  const seconds = (instant - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const rel =
    seconds < 3600
      ? rtf.format(Math.max(1, Math.round(seconds / 60)), "minute")
      : seconds < 86400 * 2
        ? rtf.format(Math.round(seconds / 3600), "hour")
        : rtf.format(Math.round(seconds / 86400), "day");
  return `${when} (${rel})`;
}

export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : ["UTC"];
  } catch {
    return ["UTC"];
  }
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
