// What every chart shares: a heading, the picture (role="img" with a spoken
// summary), and a toggle that reveals the same data as a table.
import { useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { DataTable, type TableData } from "./DataTable";
import "./charts.css";

export interface FrameProps {
  title: string;
  /** h2 on a page's main sections, h3 inside them. */
  headingLevel?: 2 | 3;
  /** What the picture shows, in a sentence or two, for screen readers. */
  summary: string;
  table: TableData;
  testId?: string;
  /** Shown instead of the picture when there is nothing to draw. */
  empty?: boolean;
}

export function ChartFrame({
  title,
  headingLevel = 3,
  summary,
  table,
  testId,
  empty = false,
  legend,
  children,
}: FrameProps & { legend?: ReactNode; children: ReactNode }) {
  const { t } = useTranslation();
  const [showTable, setShowTable] = useState(false);
  const id = useId();
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section className="chart" data-testid={testId} aria-labelledby={`${id}-title`}>
      <div className="chart-head">
        <Heading id={`${id}-title`}>{title}</Heading>
        {!empty && (
          <button
            type="button"
            className="chart-toggle"
            aria-expanded={showTable}
            aria-controls={showTable ? `${id}-table` : undefined}
            onClick={() => setShowTable((shown) => !shown)}
          >
            {showTable ? t("common.hideTable") : t("common.showTable")}
            <span className="visually-hidden">{`: ${title}`}</span>
          </button>
        )}
      </div>
      {empty ? (
        <p className="chart-empty">{t("charts.noData")}</p>
      ) : (
        <>
          {legend}
          <div className="chart-plot" role="img" aria-label={summary}>
            {children}
          </div>
          {showTable && <DataTable id={`${id}-table`} caption={title} data={table} />}
        </>
      )}
    </section>
  );
}
