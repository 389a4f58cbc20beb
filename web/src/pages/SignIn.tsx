import { Link, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { AuthForm } from "../components/auth/AuthForm";
import { checkSignIn } from "../components/auth/rules";

export default function SignIn() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const next = params.get("next");
  return (
    <AuthForm
      title={t("auth.signIn.title")}
      endpoint="/v1/auth/login"
      check={checkSignIn}
      submit={t("auth.signIn.submit")}
      fields={[
        { name: "login", type: "text", autoComplete: "username" },
        { name: "password", type: "password", autoComplete: "current-password" },
      ]}
      footer={
        <>
          {t("auth.signIn.noAccount")}{" "}
          <Link to={next ? `/signup?next=${encodeURIComponent(next)}` : "/signup"}>{t("auth.signIn.toSignUp")}</Link>
        </>
      }
    />
  );
}
