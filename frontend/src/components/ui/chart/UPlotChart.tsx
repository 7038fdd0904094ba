/**
 * The one way the UI draws a chart: uPlot (a ~50 kB canvas library for time series, lines and
 * bars), loaded on first use so no other screen pays for it. The caller builds uPlot's options
 * from the box's width and the theme's colours; the chart follows the box's width and redraws
 * when the system switches between light and dark. A browser without canvas (or the test DOM)
 * gets no drawing: every chart also carries its numbers as text (see BarChart), which is what
 * screen readers read anyway.
 */
import type uPlot from "uplot";
import { useEffect, useRef } from "react";
import { readTheme, type ChartTheme } from "./theme";

export interface ChartBuild {
  options: uPlot.Options;
  data: uPlot.AlignedData;
}

export type BuildChart = (width: number, theme: ChartTheme, lib: typeof uPlot) => ChartBuild;

let loading: Promise<typeof uPlot> | null = null;
/** uPlot and its stylesheet, fetched once, when the first chart is drawn. */
function loadUPlot(): Promise<typeof uPlot> {
  loading ??= Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]).then(([module]) => module.default);
  return loading;
}

function canDraw(): boolean {
  try {
    return Boolean(document.createElement("canvas").getContext("2d"));
  } catch {
    return false;
  }
}

/**
 * A uPlot chart in a box of `height` px. `signature` names what the chart shows: the chart is
 * built again when it changes (and on a theme switch), otherwise only resized.
 */
export function UPlotChart({ build, signature, height, className }: { build: BuildChart; signature: string; height: number; className?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const buildRef = useRef(build);
  buildRef.current = build;

  useEffect(() => {
    const element = box.current;
    if (!element || !canDraw()) return;
    let chart: uPlot | null = null;
    let lib: typeof uPlot | null = null;
    let stopped = false;
    const draw = () => {
      if (stopped || !lib) return;
      chart?.destroy();
      const width = Math.max(120, element.clientWidth);
      const { options, data } = buildRef.current(width, readTheme(element), lib);
      chart = new lib({ ...options, width, height }, data, element);
    };
    const resize = new ResizeObserver(() => {
      if (chart && Math.abs(chart.width - element.clientWidth) > 1) chart.setSize({ width: Math.max(120, element.clientWidth), height });
    });
    const scheme = window.matchMedia?.("(prefers-color-scheme: dark)");
    scheme?.addEventListener?.("change", draw);
    loadUPlot().then((module) => {
      lib = module;
      draw();
      resize.observe(element);
    }, () => undefined); // no chart; the numbers are still there as text
    return () => {
      stopped = true;
      resize.disconnect();
      scheme?.removeEventListener?.("change", draw);
      chart?.destroy();
    };
  }, [signature, height]);

  return <div ref={box} className={["uplot-box", className ?? ""].join(" ")} style={{ minHeight: height }} aria-hidden="true" />;
}
