/** A plain SVG bar chart: one labelled horizontal bar per category, readable without colour. */
import { useI18n } from "../i18n";
import { formatNumber } from "./format";

export interface Bar {
  label: string;
  value: number;
  tone?: string;
}

const ROW = 26;
const VALUE_W = 56;
const WIDTH = 360;
/** Room for the longest label (about 8 px a character at 12 px, Cyrillic included), so Russian words are not cut. */
const labelWidth = (bars: Bar[]) => Math.min(170, Math.max(60, 16 + 8 * Math.max(0, ...bars.map((b) => b.label.length))));

export function BarChart({ title, bars, testId }: { title: string; bars: Bar[]; testId?: string }) {
  const { locale } = useI18n();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const LABEL_W = labelWidth(bars);
  const barSpace = WIDTH - LABEL_W - VALUE_W;
  const height = Math.max(ROW, bars.length * ROW);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        {bars.map((bar, i) => {
          const w = bar.value > 0 ? Math.max(2, (bar.value / max) * barSpace) : 0;
          const y = i * ROW;
          return (
            <g key={bar.label} className={`bar ${bar.tone ?? ""}`}>
              <title>{`${bar.label}: ${formatNumber(bar.value, locale)}`}</title>
              <text x={LABEL_W - 8} y={y + ROW / 2} textAnchor="end" dominantBaseline="central" className="bar-label">
                {bar.label}
              </text>
              <rect x={LABEL_W} y={y + 4} width={w} height={ROW - 8} rx={3} />
              <text x={LABEL_W + w + 6} y={y + ROW / 2} dominantBaseline="central" className="bar-value">
                {formatNumber(bar.value, locale)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
