/** When a schedule fires, in words: the date in the schedule's zone and how far off it is, in the reader's language. */

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

/** The IANA zones this browser knows, offered as suggestions (the api accepts any it knows). */
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
