// The shell around every page: skip link, navigation, language switch and the
// player, which lives here so playback survives navigation between pages.
import { NavLink, Outlet, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { COOKIE_SESSION, csrfToken, session } from "../api/client";
import { useSession } from "../api/useSession";
import { LANGUAGES, setLanguage, type Language } from "../i18n";
import { PlayerProvider } from "../player/PlayerProvider";
import { PlayerBar } from "../player/PlayerBar";

export function Layout() {
  const { t, i18n } = useTranslation();
  const current = useSession();
  const navigate = useNavigate();
  const role = current?.user.role;

  async function signOut() {
    await fetch("/v1/auth/logout", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken(), ...COOKIE_SESSION },
      body: "{}",
    }).catch(() => undefined);
    session.set(null);
    navigate("/signin");
  }

  return (
    <PlayerProvider>
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="app-header">
        <NavLink to="/" className="brand">
          {t("app.name")}
        </NavLink>
        <nav aria-label={t("nav.main")}>
          <ul>
            {current && (
              <>
                <li><NavLink to="/" end>{t("nav.home")}</NavLink></li>
                <li><NavLink to="/search">{t("nav.search")}</NavLink></li>
                <li><NavLink to="/browse">{t("nav.browse")}</NavLink></li>
                <li><NavLink to="/library">{t("nav.library")}</NavLink></li>
                <li><NavLink to="/me">{t("nav.me")}</NavLink></li>
                {role && role !== "listener" && <li><NavLink to="/studio">{t("nav.studio")}</NavLink></li>}
                {role === "admin" && <li><NavLink to="/dashboard">{t("nav.dashboard")}</NavLink></li>}
              </>
            )}
          </ul>
        </nav>
        <div className="header-tools">
          <label>
            <span className="visually-hidden">{t("app.language")}</span>
            <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {Object.entries(LANGUAGES).map(([code, name]) => (
                <option key={code} value={code}>{name}</option>
              ))}
            </select>
          </label>
          {current ? (
            <button type="button" onClick={() => void signOut()}>{t("nav.signOut")}</button>
          ) : (
            <NavLink to="/signin">{t("nav.signIn")}</NavLink>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      {current && <PlayerBar />}
    </PlayerProvider>
  );
}
