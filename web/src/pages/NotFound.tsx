import { Link } from "react-router";
import { useTranslation } from "react-i18next";

export default function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t("notFound.title")}</h1>
      <p>
        <Link to="/">{t("nav.home")}</Link>
      </p>
    </section>
  );
}
