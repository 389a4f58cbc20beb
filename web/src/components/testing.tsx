// Test helpers for the listener components: a signed-in session, a fresh
// query client and a scripted fetch. Only *.test.tsx files import this.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { MemoryRouter, RouterProvider, createMemoryRouter } from "react-router";
import { vi } from "vitest";
import { session } from "../api/client";

export function signIn(): void {
  session.set({
    user: { id: "u1", email: "a@b.c", username: "ada", display_name: null, role: "listener", avatar_url: null, created_at: "" },
    access_token: "token",
    token_type: "Bearer",
    expires_in: 3600,
  });
}

export type Route = (url: string, init: RequestInit) => Response | Promise<Response>;

/** Replaces fetch; returns the mock to inspect calls. */
export function mockFetch(route: Route) {
  const mock = vi.fn((input: RequestInfo | URL, init: RequestInit = {}) => Promise.resolve(route(String(input), init)));
  vi.stubGlobal("fetch", mock);
  return mock;
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

export function wrapper(client = new QueryClient({ defaultOptions: { queries: { retry: false } } }), path = "/") {
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
      </QueryClientProvider>
    );
  };
}

/**
 * `element` at route `path`, opened at `url`, in a data router as the app's
 * own (`routes.tsx`): pages that read the navigation state need one.
 */
export function routed(element: ReactNode, path: string, url: string, client = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  const router = createMemoryRouter([{ path, element }], { initialEntries: [url] });
  return (
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
