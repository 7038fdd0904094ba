/**
 * The site's trend charts on uPlot: one line per series over the completed crawls' finish times.
 * Readable with 2 crawls (points drawn, the two dates on the axis) and with 500 (no points, uPlot
 * thins the time axis' labels to what fits).
 */
import type uPlot from "uplot";
import type { BuildChart } from "../../components/ui/chart/UPlotChart";

export interface Line {
  label: string;
  values: (number | null)[];
  tone: string;
}

const SHOW_POINTS_UP_TO = 60;

const DAY = 86_400;

/**
 * The time axis' labels in the UI's locale (uPlot's own are English: "Nov 27", "8am"). The
 * format follows the step between ticks, as uPlot's does: years, months, days, or hours (with the
 * day under the first tick of each day). `increment` is uPlot's tick step, in seconds.
 */
export function timeAxisLabels(locale: string): (splits: number[], increment: number) => string[] {
  const year = new Intl.DateTimeFormat(locale, { year: "numeric" });
  const month = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric" });
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" });
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  return (splits, increment) =>
    splits.map((seconds, i) => {
      const date = new Date(seconds * 1000);
      if (increment >= 365 * DAY) return year.format(date);
      if (increment >= 28 * DAY) return month.format(date);
      if (increment >= DAY) return day.format(date);
      const before = i > 0 ? splits[i - 1] : undefined;
      const previous = before === undefined ? null : new Date(before * 1000);
      const newDay = previous === null || previous.toDateString() !== date.toDateString();
      return newDay ? `${time.format(date)}\n${day.format(date)}` : time.format(date);
    });
}

/** A point's time in the chart's legend (the tooltip), in the UI's locale. */
export function timeValue(locale: string): (seconds: number | null | undefined) => string {
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  return (seconds) => (seconds === null || seconds === undefined ? "—" : full.format(new Date(seconds * 1000)));
}

export function trendChart(times: number[], lines: Line[], height: number, xLabel: string, locale: string, range?: [number, number]): BuildChart {
  const labels = timeAxisLabels(locale);
  const value = timeValue(locale);
  return (width, theme) => {
    const axis = { stroke: theme.text, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid } };
    const timeAxis = { ...axis, values: (_u: uPlot, splits: number[], _axis: number, _space: number, increment: number) => labels(splits, increment) };
    const options: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, y: range ? { range } : {} },
      axes: [timeAxis, { ...axis, size: 50 }],
      series: [
        { label: xLabel, value: (_u: uPlot, seconds: number | null) => value(seconds) },
        ...lines.map((line) => ({
          label: line.label,
          stroke: theme.tone(line.tone),
          width: 2,
          spanGaps: true,
          points: { show: times.length <= SHOW_POINTS_UP_TO, size: 6 },
        })),
      ],
    };
    return { options, data: [times, ...lines.map((line) => line.values)] as uPlot.AlignedData };
  };
}

/** A small line without axes or legend (the dashboard card's health trend). */
export function sparkline(values: (number | null)[]): BuildChart {
  return (width, theme) => ({
    options: {
      width,
      height: 36,
      legend: { show: false },
      cursor: { show: false },
      padding: [4, 2, 4, 2],
      // Its own range: a change of a few points must show on a card this small.
      scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.max(0, min - 5), Math.min(100, max + 5)] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: theme.tone(undefined), width: 2, spanGaps: true, points: { show: values.length <= 2, size: 5 } }],
    },
    data: [values.map((_, i) => i), values] as uPlot.AlignedData,
  });
}
