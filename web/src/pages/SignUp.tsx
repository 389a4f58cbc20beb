import { Link, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { AuthForm } from "../components/auth/AuthForm";
import { checkSignUp } from "../components/auth/rules";

export default function SignUp() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const next = params.get("next");
  return (
    <AuthForm
      title={t("auth.signUp.title")}
      endpoint="/v1/auth/register"
      check={checkSignUp}
      submit={t("auth.signUp.submit")}
      fields={[
        { name: "email", type: "email", autoComplete: "email" },
        { name: "username", type: "text", autoComplete: "username", help: t("auth.help.username") },
        { name: "password", type: "password", autoComplete: "new-password", help: t("auth.help.password") },
      ]}
      footer={
        <>
          {t("auth.signUp.haveAccount")}{" "}
          <Link to={next ? `/signin?next=${encodeURIComponent(next)}` : "/signin"}>{t("auth.signUp.toSignIn")}</Link>
        </>
      }
    />
  );
}
