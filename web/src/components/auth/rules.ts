// Sign-in and sign-up rules checked before sending (the gateway checks them
// again), and where to go afterwards.

export type Fields = Record<string, string>;
/** Field name → i18n key of what is wrong with it. */
export type Problems = Record<string, string>;

export function checkSignIn(f: Fields): Problems {
  const problems: Problems = {};
  if (!f.login?.trim()) problems.login = "auth.errors.required";
  if (!f.password) problems.password = "auth.errors.required";
  return problems;
}

/** The gateway's own rules (gateway/src/auth/routes.rs). */
export function checkSignUp(f: Fields): Problems {
  const problems: Problems = {};
  const email = f.email?.trim() ?? "";
  const [local, domain] = email.split("@", 2);
  if (!email) problems.email = "auth.errors.required";
  else if (/\s/.test(email) || !local || !domain || !domain.includes(".") || domain.startsWith(".") || domain.endsWith("."))
    problems.email = "auth.errors.email";
  const username = f.username?.trim() ?? "";
  if (!username) problems.username = "auth.errors.required";
  else if (!/^[A-Za-z0-9_.-]{3,32}$/.test(username)) problems.username = "auth.errors.username";
  const length = [...(f.password ?? "")].length;
  if (!f.password) problems.password = "auth.errors.required";
  else if (length < 8 || length > 128) problems.password = "auth.errors.password";
  return problems;
}

/**
 * Where to go after signing in: `next` only when it is a path on this
 * origin, never another site (`//evil.example`, `/\evil.example`, `https:`).
 */
export function safeNext(next: string | null, origin = window.location.origin): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  try {
    const url = new URL(next, origin);
    if (url.origin !== origin) return "/";
    return url.pathname + url.search + url.hash;
  } catch {
    return "/";
  }
}
