/** Chart colours and type from the page's CSS variables, so charts follow light and dark mode. */
export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  font: string;
  /** The colour of a tone name ("http-4xx", "severity-warning", "slow", …); the accent otherwise. */
  tone: (tone: string | undefined) => string;
}

const TONES: Record<string, string> = {
  "http-2xx": "--ok",
  "http-3xx": "--redirect",
  "http-4xx": "--bad",
  "http-5xx": "--bad",
  "http-none": "--muted",
  "severity-error": "--bad",
  "severity-warning": "--warn",
  "severity-notice": "--notice",
  slow: "--warn",
};

export function readTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const accent = css("--accent", "#1f5fd1");
  return {
    text: css("--text", "#1b1f24"),
    muted: css("--muted", "#5b6570"),
    grid: css("--border", "#d9dee4"),
    font: `12px ${style.fontFamily || "system-ui, sans-serif"}`,
    tone: (tone) => (tone && TONES[tone] ? css(TONES[tone], accent) : accent),
  };
}
