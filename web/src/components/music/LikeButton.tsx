// Like an album or an artist (tracks have theirs on each row).
import { useTranslation } from "react-i18next";
import { useLikedIds, useToggleLike } from "./likes";
import type { LikeKind } from "./types";

export function LikeButton({ kind, id, name }: { kind: LikeKind; id: string; name: string }) {
  const { t } = useTranslation();
  const liked = useLikedIds(kind);
  const toggle = useToggleLike(kind);
  const on = liked.data?.has(id) ?? false;
  return (
    <button
      type="button"
      className={`like-button${on ? " on" : ""}`}
      aria-pressed={on}
      aria-label={t("catalog.like", { name })}
      disabled={liked.isPending}
      onClick={() => toggle.mutate({ id, liked: !on })}
    >
      <span aria-hidden="true">{on ? "♥" : "♡"}</span> {t("catalog.likeShort")}
    </button>
  );
}
