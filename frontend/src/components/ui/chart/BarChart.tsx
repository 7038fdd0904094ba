/**
 * A horizontal bar chart of categories (status codes, severities, depths, response-time buckets)
 * on uPlot: one labelled bar per category with its value at the end, coloured by tone; the word is
 * always there, so colour is never the only signal. The same numbers are in a table for screen
 * readers (and for tests, which have no canvas).
 */
import type uPlot from "uplot";
import { useI18n } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { UPlotChart, type BuildChart } from "./UPlotChart";

export interface Bar {
  label: string;
  value: number;
  tone?: string;
}

const ROW = 28;
const AXIS = 30;
/** Round steps for the value axis: counts are whole numbers. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6];
const COLOUR_UNIT = 3 as uPlot.Series.BarsPathBuilderFacetUnit; // BarsPathBuilderFacetUnit.Color (a const enum)

function measure(texts: string[], font: string): number {
  const ctx = document.createElement("canvas").getContext("2d");
  if (!ctx) return 80;
  ctx.font = font;
  return Math.max(0, ...texts.map((text) => ctx.measureText(text).width));
}

export function barChartBuild(bars: Bar[], locale: string): BuildChart {
  return (width, theme, lib) => {
    const labels = bars.map((b) => b.label);
    const values = bars.map((b) => b.value);
    const shown = values.map((v) => formatNumber(v, locale));
    const max = Math.max(1, ...values);
    const labelWidth = Math.min(Math.ceil(measure(labels, theme.font)) + 14, Math.round(width * 0.45));
    const valueRoom = Math.ceil(measure(shown, theme.font)) + 12;
    const rects: [number, number, number, number][] = [];
    const options: uPlot.Options = {
      width,
      height: bars.length * ROW + AXIS,
      legend: { show: false },
      cursor: { show: false },
      padding: [4, valueRoom, 0, 0],
      scales: {
        x: { time: false, ori: 1, dir: -1, range: [-0.5, bars.length - 0.5] },
        y: { ori: 0, dir: 1, range: [0, max] },
      },
      axes: [
        {
          scale: "x",
          side: 3,
          size: labelWidth,
          gap: 6,
          font: theme.font,
          stroke: theme.text,
          grid: { show: false },
          ticks: { show: false },
          splits: () => bars.map((_, i) => i),
          values: (_u, splits) => splits.map((i) => labels[i] ?? ""),
        },
        {
          scale: "y",
          side: 2,
          size: AXIS - 4,
          font: theme.font,
          stroke: theme.muted,
          grid: { stroke: theme.grid, width: 1 },
          ticks: { stroke: theme.grid, width: 1, size: 4 },
          incrs: COUNT_STEPS,
          values: (_u, splits) => splits.map((v) => formatNumber(v, locale)),
        },
      ],
      series: [
        {},
        {
          width: 0,
          points: { show: false },
          paths: lib.paths.bars!({
            size: [0.7, 22],
            disp: { fill: { unit: COLOUR_UNIT, values: () => bars.map((b) => theme.tone(b.tone)) } },
            each: (_u, _s, _i, left, top, w, h) => rects.push([left, top, w, h]),
          }),
        },
      ],
      hooks: {
        drawClear: [() => void (rects.length = 0)],
        // Each bar's value at its end, in the text colour.
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.font = theme.font.replace(/^(\d+)px/, (_m, px: string) => `${Number(px) * lib.pxRatio}px`);
            ctx.fillStyle = theme.text;
            ctx.textBaseline = "middle";
            rects.forEach(([left, top, w, h], i) => ctx.fillText(shown[i] ?? "", left + w + 6 * lib.pxRatio, top + h / 2));
            ctx.restore();
          },
        ],
      },
    };
    return { options, data: [bars.map((_, i) => i), values] };
  };
}

export function BarChart({ title, bars, testId }: { title: string; bars: Bar[]; testId?: string }) {
  const { locale } = useI18n();
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <UPlotChart build={barChartBuild(bars, locale)} signature={`${locale}|${JSON.stringify(bars)}`} height={bars.length * ROW + AXIS} />
      <table className="visually-hidden">
        <caption>{title}</caption>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.label}>
              <th scope="row">{bar.label}</th>
              <td>{formatNumber(bar.value, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
