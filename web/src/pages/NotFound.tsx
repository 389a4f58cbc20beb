import { useEffect } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { restoreSession } from "../components/RequireAuth";

export default function NotFound() {
  const { t } = useTranslation();
  // Anyone may land here, so no sign-in gate renewed the session first.
  useEffect(() => void restoreSession(), []);
  return (
    <section>
      <h1>{t("notFound.title")}</h1>
      <p>
        <Link to="/">{t("nav.home")}</Link>
      </p>
    </section>
  );
}
