import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "../i18n";
import type { Analytics, Live } from "./dashboard/types";

const mocks = vi.hoisted(() => ({
  role: "admin" as string,
  api: null as unknown as (path: string) => Promise<unknown>,
}));
vi.mock("../api/useSession", () => ({
  useSession: () => ({ user: { role: mocks.role, username: "ann" }, access_token: "t", token_type: "Bearer", expires_in: 900 }),
}));
vi.mock("../api/client", async (original) => ({
  ...(await original<typeof import("../api/client")>()),
  api: (path: string) => mocks.api(path),
}));
vi.mock("uplot", () => ({
  default: class {
    cursor = { idx: null };
    setData() {}
    setSize() {}
    destroy() {}
  },
}));

const { default: Dashboard } = await import("./Dashboard");
const { ApiError } = await import("../api/client");

const analytics: Analytics = {
  from: "2024-03-05T10:00:00Z",
  to: "2024-03-05T12:30:00Z",
  hourly: [{ at: "2024-03-05T11:00:00Z", plays: 1234, listeners: 7 }],
  daily: [{ day: "2024-03-05", plays: 1234, listeners: 7, new_listeners: 2 }],
  skip_rate_by_genre: [{ genre: "rock", plays: 100, skips: 25, skip_rate: 0.25 }],
};
const live: Live = { at: "2024-03-05T12:30:00Z", events_per_second: 4.5, groups: [{ group: "etl", topic: "playback", lag: 12 }], unreachable: [] };

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <Dashboard />
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  mocks.role = "admin";
  mocks.api = async (path) => {
    if (path.startsWith("/v1/admin/analytics")) return analytics;
    if (path === "/v1/admin/live") return live;
    return { period: "week", items: [] };
  };
});
afterEach(cleanup);

describe("Dashboard", () => {
  it("tells a non-admin it is for admins, without asking the API", async () => {
    mocks.role = "listener";
    const api = vi.fn(mocks.api);
    mocks.api = api;
    renderPage();
    expect(screen.getByText(/for admins only/)).toBeTruthy();
    expect(api).not.toHaveBeenCalled();
  });

  it("tells an admin the API refused the same", async () => {
    mocks.api = async () => {
      throw new ApiError(403, "forbidden", "only admins may do this");
    };
    renderPage();
    expect(await screen.findByText(/for admins only/)).toBeTruthy();
  });

  it("shows plays per hour, with the plays in its table", async () => {
    renderPage();
    const chart = await screen.findByTestId("plays-per-hour");
    fireEvent.click(within(chart).getByRole("button", { name: /Show as table/ }));
    const cells = within(within(chart).getByRole("table")).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["0", "0", "1,234", "7", "0", "0"]);
    expect(await screen.findByTestId("consumer-lag")).toBeTruthy();
    expect(screen.getByTestId("skip-rate").querySelector("[role=img]")?.getAttribute("aria-label")).toMatch(/rock: 25%/);
  });

  it("asks for the chosen period", async () => {
    const api = vi.fn(mocks.api);
    mocks.api = api;
    renderPage();
    await screen.findByTestId("plays-per-hour");
    fireEvent.click(screen.getByRole("radio", { name: "30 days" }));
    await vi.waitFor(() => expect(api).toHaveBeenCalledWith("/v1/admin/analytics?days=30"));
    expect(api).toHaveBeenCalledWith("/v1/charts/tracks?period=month&limit=10");
  });
});
