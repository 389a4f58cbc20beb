// A horizontal bar chart in plain HTML rather than uPlot: the bars are few
// and categorical, their labels are long titles that should wrap, stay crisp
// and be translated text, and none of that needs a canvas. Bar lengths are
// set through React's style prop (CSSOM, which the CSP allows).
import { useTranslation } from "react-i18next";
import { ChartFrame } from "./ChartFrame";
import type { TableData } from "./DataTable";
import { formatNumber } from "./format";
import { barFractions } from "./series";

export interface Bar {
  label: string;
  value: number;
  /** A second line under the label (a track's artist). */
  detail?: string;
}

export interface BarChartProps {
  title: string;
  headingLevel?: 2 | 3;
  bars: Bar[];
  /** The table's header for the labels and for the values. */
  labelHeader: string;
  valueHeader: string;
  format?: (value: number) => string;
  /** The value a full bar stands for (1 for rates); the largest value otherwise. */
  scale?: number;
  /** Replaces the generated table (to add columns). */
  table?: TableData;
  summary?: string;
  testId?: string;
}

export function BarChart({
  title,
  headingLevel,
  bars,
  labelHeader,
  valueHeader,
  format,
  scale,
  table,
  summary,
  testId,
}: BarChartProps) {
  const { t, i18n } = useTranslation();
  const show = format ?? ((v: number) => formatNumber(i18n.language, v));
  const fractions = barFractions(bars.map((b) => b.value), scale);
  const rows = bars.map((b) => [b.detail ? `${b.label} (${b.detail})` : b.label, show(b.value)]);
  const spoken =
    summary ??
    t("charts.barSummary", {
      title,
      n: bars.length,
      items: bars.slice(0, 5).map((b, i) => `${i + 1}. ${rows[i][0]}: ${show(b.value)}`).join("; "),
    });
  return (
    <ChartFrame
      title={title}
      headingLevel={headingLevel}
      summary={spoken}
      table={table ?? { headers: [labelHeader, valueHeader], rows }}
      testId={testId}
      empty={bars.length === 0}
    >
      <ol className="bars">
        {bars.map((bar, i) => (
          <li key={`${i}-${bar.label}`} className="bar-row">
            <span className="bar-label">
              {bar.label}
              {bar.detail && <span className="bar-detail">{bar.detail}</span>}
            </span>
            <span className="bar-track">
              <span className="bar-fill" style={{ inlineSize: `${(fractions[i] * 100).toFixed(2)}%` }} />
            </span>
            <span className="bar-value">{show(bar.value)}</span>
          </li>
        ))}
      </ol>
    </ChartFrame>
  );
}
