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

export function trendChart(times: number[], lines: Line[], height: number, xLabel: string, range?: [number, number]): BuildChart {
  return (width, theme) => {
    const axis = { stroke: theme.text, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid } };
    const options: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, y: range ? { range } : {} },
      axes: [axis, { ...axis, size: 50 }],
      series: [
        { label: xLabel },
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
