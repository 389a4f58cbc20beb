import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../../i18n";
import { session } from "../../api/client";
import { json, mockFetch, wrapper } from "../testing";
import { AuthForm } from "./AuthForm";
import { checkSignIn } from "./rules";

function renderSignIn(path = "/signin?next=%2Falbums%2F7") {
  const Wrapper = wrapper(undefined, path);
  render(
    <Wrapper>
      <Routes>
        <Route
          path="/signin"
          element={
            <AuthForm
              title="Sign in"
              endpoint="/v1/auth/login"
              check={checkSignIn}
              submit="Go"
              fields={[
                { name: "login", type: "text", autoComplete: "username" },
                { name: "password", type: "password", autoComplete: "current-password" },
              ]}
              footer={null}
            />
          }
        />
        <Route path="*" element={<p>landed</p>} />
      </Routes>
    </Wrapper>,
  );
}

function fill(login: string, password: string) {
  fireEvent.change(screen.getByLabelText("Email or username"), { target: { value: login } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Go" }));
}

describe("AuthForm", () => {
  beforeEach(() => session.set(null));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("names the empty fields without asking the gateway", async () => {
    const fetch = mockFetch(() => json({}));
    renderSignIn();
    fireEvent.click(screen.getByRole("button", { name: "Go" }));
    await waitFor(() => expect(screen.getAllByText("This field is required.")).toHaveLength(2));
    expect(screen.getByLabelText("Email or username").getAttribute("aria-invalid")).toBe("true");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("asks for a cookie session, keeps it, and goes to next", async () => {
    const fetch = mockFetch(() =>
      json({ user: { id: "u1" }, access_token: "tok", token_type: "Bearer", expires_in: 900 }),
    );
    renderSignIn();
    fill("ada", "secret");
    await screen.findByText("landed");
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe("/v1/auth/login");
    expect((init?.headers as Record<string, string>)["X-Encore-Session"]).toBe("cookie");
    expect((init?.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(JSON.parse(String(init?.body))).toEqual({ login: "ada", password: "secret" });
    expect(session.current?.access_token).toBe("tok");
  });

  it("says so when the password is wrong", async () => {
    mockFetch(() => json({ error: { code: "unauthorized", message: "wrong login or password" } }, 401));
    renderSignIn();
    fill("ada", "nope");
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Wrong login or password."));
  });

  it("says how long to wait when throttled", async () => {
    mockFetch(() => json({ error: { code: "too_many", message: "later" } }, 429, { "Retry-After": "42" }));
    renderSignIn();
    fill("ada", "nope");
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("42 s"));
  });

  it("puts the gateway's field errors on their fields", async () => {
    mockFetch(() =>
      json({ error: { code: "invalid_fields", message: "bad", fields: [{ field: "login", message: "must be 1 to 254 characters" }] } }, 400),
    );
    renderSignIn();
    fill("ada", "x");
    await screen.findByText("must be 1 to 254 characters");
    expect(screen.getByRole("alert").textContent).toContain("Email or username");
  });
});
