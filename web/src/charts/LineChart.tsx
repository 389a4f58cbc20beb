// A time-series line chart over uPlot: one or more series sharing an x axis
// of unix seconds, a legend that follows the cursor, and its table on demand.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ChartFrame } from "./ChartFrame";
import { formatAxisTime, formatNumber, formatTime, type TimeKind } from "./format";
import { cssVar, seriesColor } from "./palette";
import { summarise, type Columns } from "./series";
import { useWidth } from "./useWidth";

// Tick steps in seconds for each kind of x: whole seconds, hours, days, never finer.
const TIME_STEPS: Record<TimeKind, number[]> = {
  second: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600],
  hour: [3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800],
  day: [86_400, 172_800, 604_800, 1_209_600, 2_592_000],
};
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7, 1e8];

export interface LineChartProps {
  title: string;
  headingLevel?: 2 | 3;
  columns: Columns;
  /** One label per values array of `columns`. */
  labels: string[];
  timeKind: TimeKind;
  /** How values are written (axis, legend, table); plain numbers by default. */
  format?: (value: number) => string;
  /** Replaces the generated spoken summary. */
  summary?: string;
  /** Counts: y ticks on whole numbers only. */
  integer?: boolean;
  testId?: string;
  height?: number;
}

export function LineChart({
  title,
  headingLevel,
  columns,
  labels,
  timeKind,
  format,
  summary,
  integer = false,
  testId,
  height = 220,
}: LineChartProps) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const show = useMemo(() => format ?? ((v: number) => formatNumber(language, v, 2)), [format, language]);
  const [element, setElement] = useState<HTMLDivElement | null>(null);
  const plot = useRef<uPlot | null>(null);
  const width = useWidth(element);
  const [cursor, setCursor] = useState<number | null>(null);
  const data = useMemo(() => [columns.x, ...columns.values] as uPlot.AlignedData, [columns]);
  // A caller may pass equal labels in a new array on every render; the chart
  // is rebuilt only when they really change.
  const labelsKey = JSON.stringify(labels);
  // Latest props for callbacks uPlot keeps from its creation, and the data it
  // starts from. A layout effect, so it is current before the effects below.
  const latest = useRef({ show, language, timeKind, data });
  useLayoutEffect(() => {
    latest.current = { show, language, timeKind, data };
  });

  useEffect(() => {
    if (!element) return;
    const muted = cssVar("--muted", "#b8b5cc");
    const grid = "rgba(184, 181, 204, 0.15)";
    const axis = { stroke: muted, grid: { stroke: grid }, ticks: { stroke: grid } };
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height,
        legend: { show: false },
        // Room on the right for half of the last time label, which centres on its tick.
        padding: [12, 32, 0, 0],
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        series: [
          {},
          ...(JSON.parse(labelsKey) as string[]).map((label, i) => ({
            label,
            stroke: seriesColor(i),
            width: 2,
            // Dots only while there are too few points to draw a line (the live chart's first poll).
            points: { show: (u: uPlot) => u.data[0].length <= 2, fill: seriesColor(i) },
          })),
        ],
        axes: [
          {
            ...axis,
            incrs: TIME_STEPS[timeKind],
            // Room for a label such as "02:10:35 PM" or "12 мар." between ticks.
            space: 90,
            values: (u: uPlot, splits: number[]) => {
              const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
              return splits.map((s) => formatAxisTime(latest.current.language, s, span, latest.current.timeKind));
            },
          },
          { ...axis, size: 56, incrs: integer ? INTEGER_STEPS : undefined, values: (_u: uPlot, splits: number[]) => splits.map((s) => latest.current.show(s)) },
        ],
        hooks: { setCursor: [(u: uPlot) => setCursor(u.cursor.idx ?? null)] },
      },
      latest.current.data,
      element,
    );
    plot.current = chart;
    return () => {
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series or their formatting change (the language
    // too: the axes are formatted when drawn); new data goes through setData
    // below, so a poll does not redraw from scratch.
  }, [element, labelsKey, timeKind, language, height, integer]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    plot.current?.setSize({ width: Math.max(width, 200), height });
  }, [width, height]);

  const empty = columns.x.length === 0;
  const at = cursor ?? columns.x.length - 1;
  const spoken =
    summary ??
    (empty
      ? t("charts.noData")
      : t("charts.lineSummary", {
          title,
          from: formatTime(language, columns.x[0], timeKind),
          to: formatTime(language, columns.x[columns.x.length - 1], timeKind),
          series: summarise(columns, labels)
            .map((s) =>
              t("charts.seriesSummary", {
                label: s.label,
                total: show(s.total),
                max: show(s.max),
                at: s.maxAt === null ? "" : formatTime(language, s.maxAt, timeKind),
              }),
            )
            .join("; "),
        }));
  const table = {
    headers: [t(`charts.time.${timeKind}`), ...labels],
    rows: columns.x.map((x, i) => [formatTime(language, x, timeKind), ...columns.values.map((v) => show(v[i] ?? 0))]),
  };
  const legend = (
    <ul className="chart-legend">
      {labels.map((label, i) => (
        <li key={label}>
          <span className={`swatch swatch-${i % 4}`} aria-hidden="true" />
          {label}
          {!empty && <span className="chart-legend-value">{show(columns.values[i]?.[at] ?? 0)}</span>}
        </li>
      ))}
      {!empty && <li className="chart-legend-at">{formatTime(language, columns.x[at] ?? 0, timeKind)}</li>}
    </ul>
  );
  return (
    <ChartFrame title={title} headingLevel={headingLevel} summary={spoken} table={table} testId={testId} empty={empty} legend={legend}>
      <div ref={setElement} className="chart-canvas" />
    </ChartFrame>
  );
}
