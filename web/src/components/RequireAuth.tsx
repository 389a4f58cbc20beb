// Pages behind sign-in. A reload starts without an access token, so the first
// visit renews from the refresh cookie; only when that fails does the user go
// to sign-in, with the page they were on kept in `next`.
import { useEffect, useState } from "react";
import { Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { session, whenSignedOut } from "../api/client";
import { useSession } from "../api/useSession";

let bootstrapped = false;
let restoring: Promise<unknown> | null = null;

/**
 * Renews the session from the refresh cookie, once per page load. Pages
 * anyone may open (the 404) call it too, so a signed-in listener who reloads
 * one still sees their own header.
 */
export function restoreSession(): Promise<unknown> {
  restoring ??= session.refresh().finally(() => {
    bootstrapped = true;
  });
  return restoring;
}

export function signInPath(location: { pathname: string; search: string }): string {
  return `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export function RequireAuth() {
  const current = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const { t } = useTranslation();
  const [checked, setChecked] = useState(bootstrapped || current !== null);

  useEffect(() => {
    whenSignedOut(() => navigate(signInPath(window.location), { replace: true }));
  }, [navigate]);

  useEffect(() => {
    if (checked) return;
    void restoreSession().finally(() => setChecked(true));
  }, [checked]);

  if (!checked) return <p role="status">{t("common.loading")}</p>;
  if (!current) return <Navigate to={signInPath(location)} replace />;
  return <Outlet />;
}
