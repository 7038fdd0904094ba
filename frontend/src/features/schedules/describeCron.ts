/**
 * A cron expression in words ("At 03:00, only on Monday" / "В 03:00, только в понедельник"), by
 * cronstrue. Words only: whether the expression is valid and when it fires is the api's answer
 * (GET /api/schedules/preview), never worked out here.
 */
import cronstrue from "cronstrue";
import "cronstrue/locales/ru";
import type { Language } from "../../i18n";

/** The description, or null where cronstrue cannot read the expression. */
export function describeCron(expression: string, lang: Language): string | null {
  try {
    return cronstrue.toString(expression, { locale: lang, use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return null;
  }
}
