import { describe, expect, it, vi } from "vitest";
import { SessionStore, type Session } from "./session";

function session(token: string, expiresIn = 900): Session {
  return {
    user: { id: "u", email: "a@b.c", username: "a", display_name: null, role: "listener", avatar_url: null, created_at: "" },
    access_token: token,
    token_type: "Bearer",
    expires_in: expiresIn,
  };
}

describe("token renewal", () => {
  it("hands out the token while it is fresh and renews shortly before it expires", async () => {
    let now = 0;
    const renew = vi.fn(async () => session("second"));
    const store = new SessionStore(renew, () => now);
    store.set(session("first", 900));
    expect(await store.token()).toBe("first");
    now = 869_000; // 31 s before expiry
    expect(await store.token()).toBe("first");
    now = 871_000; // inside the 30 s margin
    expect(await store.token()).toBe("second");
    expect(renew).toHaveBeenCalledTimes(1);
  });

  it("gives a short-lived token a quarter of its life as margin", async () => {
    let now = 0;
    const store = new SessionStore(async () => session("renewed", 8), () => now);
    store.set(session("short", 8));
    now = 5_900;
    expect(await store.token()).toBe("short");
    now = 6_100;
    expect(await store.token()).toBe("renewed");
  });

  it("shares one renewal between concurrent callers: a refresh token is single use", async () => {
    let release: (s: Session) => void = () => {};
    const renew = vi.fn(() => new Promise<Session>((resolve) => (release = resolve)));
    const store = new SessionStore(renew);
    const both = Promise.all([store.token(), store.token(), store.refresh()]);
    release(session("once"));
    const [a, b, c] = await both;
    expect([a, b, c?.access_token]).toEqual(["once", "once", "once"]);
    expect(renew).toHaveBeenCalledTimes(1);
  });

  it("signs out when renewal is refused or fails, and tells subscribers", async () => {
    let now = 0;
    const store = new SessionStore(async () => {
      throw new Error("offline");
    }, () => now);
    const seen: (Session | null)[] = [];
    store.subscribe((s) => seen.push(s));
    store.set(session("old", 1));
    now = 2_000;
    expect(await store.token()).toBeNull();
    expect(store.current).toBeNull();
    expect(seen.map((s) => s?.access_token ?? null)).toEqual(["old", null]);
  });
});
