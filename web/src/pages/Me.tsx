// The listener's own page: listening statistics as charts, and the app
// passwords and API keys that let Subsonic apps in without the account password.
import { useTranslation } from "react-i18next";
import { useSession } from "../api/useSession";
import { Credentials } from "./me/Credentials";
import { Stats } from "./me/Stats";
import "./me/me.css";

export default function Me() {
  const { t } = useTranslation();
  const session = useSession();
  return (
    <div className="me">
      <h1>{t("me.title")}</h1>
      <Stats />
      <section aria-labelledby="me-apps" className="me-apps">
        <h2 id="me-apps">{t("me.apps")}</h2>
        <p>
          {t("me.appsAbout", {
            server: window.location.origin,
            username: session?.user.username ?? "",
          })}
        </p>
        <div className="grid">
          <Credentials kind="app-passwords" />
          <Credentials kind="api-keys" />
        </div>
      </section>
    </div>
  );
}
