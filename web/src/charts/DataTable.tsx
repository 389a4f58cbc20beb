// The table behind a chart: the same numbers, for screen readers, for
// copying, and for anyone who reads figures better than pictures.

export interface TableData {
  headers: string[];
  /** Cells as displayed; the first cell of each row names it. */
  rows: string[][];
}

export function DataTable({ caption, data, id }: { caption: string; data: TableData; id?: string }) {
  return (
    // Long tables scroll inside their box; it is focusable so the keyboard can scroll it too.
    <div className="chart-table" id={id} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {data.headers.map((header, i) => (
              <th key={i} scope="col">{header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) =>
                j === 0 ? <th key={j} scope="row">{cell}</th> : <td key={j}>{cell}</td>,
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
