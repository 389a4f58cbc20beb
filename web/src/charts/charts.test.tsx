import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import "../i18n";
import { BarChart } from "./BarChart";
import { LineChart } from "./LineChart";

// jsdom has no canvas (nor matchMedia, which uPlot reads on import); the
// drawing is uPlot's business, what these tests check is everything around it.
const plots = vi.hoisted(() => ({ created: [] as { data: unknown; destroyed: boolean }[] }));
vi.mock("uplot", () => ({
  default: class {
    cursor = { idx: null };
    scales = { x: {} };
    record: { data: unknown; destroyed: boolean };
    constructor(_opts: unknown, data: unknown) {
      this.record = { data, destroyed: false };
      plots.created.push(this.record);
    }
    setData(data: unknown) {
      this.record.data = data;
    }
    setSize() {}
    destroy() {
      this.record.destroyed = true;
    }
  },
}));

afterEach(() => {
  cleanup();
  plots.created = [];
});

const hour = Date.UTC(2024, 2, 5, 10) / 1000;

describe("LineChart", () => {
  it("draws a picture with a spoken summary, and shows its numbers as a table on demand", () => {
    render(
      <LineChart
        title="Plays per hour"
        columns={{ x: [hour, hour + 3600], values: [[17, 4], [3, 2]] }}
        labels={["Plays", "Listeners"]}
        timeKind="hour"
        testId="plays-per-hour"
      />,
    );
    const chart = screen.getByTestId("plays-per-hour");
    const picture = within(chart).getByRole("img");
    expect(picture.getAttribute("aria-label")).toMatch(/Plays: 21 in all, at most 17/);
    expect(plots.created).toHaveLength(1);
    expect(within(chart).queryByRole("table")).toBeNull();

    fireEvent.click(within(chart).getByRole("button", { name: /Show as table/ }));
    const table = within(chart).getByRole("table", { name: "Plays per hour" });
    const cells = within(table).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["17", "3", "4", "2"]);
    expect(within(table).getAllByRole("columnheader").map((c) => c.textContent)).toEqual(["Hour", "Plays", "Listeners"]);
    expect(within(chart).getByRole("button", { name: /Hide table/ }).getAttribute("aria-expanded")).toBe("true");
  });

  it("passes new data to the same plot rather than redrawing it", () => {
    const props = { title: "Events", labels: ["Events/s"], timeKind: "second" as const };
    const { rerender } = render(<LineChart {...props} columns={{ x: [hour], values: [[1]] }} />);
    rerender(<LineChart {...props} columns={{ x: [hour, hour + 3], values: [[1, 2]] }} />);
    expect(plots.created).toHaveLength(1);
    expect(plots.created[0].data).toEqual([[hour, hour + 3], [1, 2]]);
  });

  it("says so when there is nothing to draw", () => {
    render(<LineChart title="Empty" columns={{ x: [], values: [[]] }} labels={["Plays"]} timeKind="day" />);
    expect(screen.getByText("No data for this period yet.")).toBeTruthy();
    expect(screen.queryByRole("img")).toBeNull();
    expect(plots.created).toHaveLength(0);
  });
});

describe("BarChart", () => {
  it("draws bars in proportion, summarised, with the table on demand", () => {
    render(
      <BarChart
        title="Top tracks"
        bars={[
          { label: "Thunderstruck", detail: "AC/DC", value: 10 },
          { label: "Hells Bells", detail: "AC/DC", value: 5 },
        ]}
        labelHeader="Track"
        valueHeader="Plays"
        testId="top-tracks"
      />,
    );
    const chart = screen.getByTestId("top-tracks");
    expect(within(chart).getByRole("img").getAttribute("aria-label")).toBe(
      "Top tracks: 2 items. 1. Thunderstruck (AC/DC): 10; 2. Hells Bells (AC/DC): 5.",
    );
    const fills = chart.querySelectorAll<HTMLElement>(".bar-fill");
    expect([...fills].map((f) => f.style.inlineSize)).toEqual(["100.00%", "50.00%"]);
    fireEvent.click(within(chart).getByRole("button", { name: /Show as table/ }));
    const rows = within(within(chart).getByRole("table")).getAllByRole("row").map((r) => r.textContent);
    expect(rows).toEqual(["TrackPlays", "Thunderstruck (AC/DC)10", "Hells Bells (AC/DC)5"]);
  });
});
