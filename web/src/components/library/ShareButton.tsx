// "Share" on an album's or a playlist's page: a link anyone can open and
// play without an account (the page at /s/:token). A share keeps the tracks
// as they were when it was made, so the link the listener already made is
// given again only while it still holds the same tracks; otherwise a new one
// is made, and an earlier link keeps what it was sent with.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { Modal } from "../Modal";
import { ErrorNote, Loading } from "../Status";
import { keys } from "../music/queries";
import "./library.css";

type Share = Schema<"Share">;
type Kind = "album" | "playlist";

/**
 * A live share of exactly these tracks, if one exists and its link can be
 * shown. A playlist's order is part of it; an album's is the album's own.
 */
export function reusable(shares: Share[], kind: Kind, id: string, trackIds: string[]): Share | undefined {
  const inOrder = (ids: string[]) => (kind === "album" ? [...ids].sort() : ids);
  const wanted = inOrder(trackIds);
  return shares.find((s) => {
    if (s.kind !== kind || s.source_id !== id || s.expired || !s.url) return false;
    const held = inOrder(s.track_ids);
    return held.length === wanted.length && held.every((t, i) => t === wanted[i]);
  });
}

async function linkFor(kind: Kind, id: string, name: string, trackIds: string[]): Promise<Share> {
  const mine = await api<Schema<"Shares">>("/v1/me/shares");
  const live = reusable(mine.items, kind, id, trackIds);
  if (live) return live;
  // The share page's heading is its description: the album's or playlist's name.
  const body = { kind, ids: [id], description: name.replace(/\s+/g, " ").slice(0, 500) } satisfies Schema<"NewShare">;
  return api<Share>("/v1/me/shares", { method: "POST", body });
}

export function ShareButton({ kind, id, name, trackIds }: { kind: Kind; id: string; name: string; trackIds: string[] }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const share = useMutation({
    mutationFn: () => linkFor(kind, id, name, trackIds),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.shares }),
  });

  function start() {
    setCopied(null);
    setOpen(true);
    share.mutate();
  }

  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("yes");
    } catch {
      // Clipboard access can be refused (an insecure origin, a denied
      // permission); the link is selected in its field to copy by hand.
      field.current?.focus();
      field.current?.select();
      setCopied("no");
    }
  }

  const s = share.data;
  return (
    <>
      <button type="button" onClick={start} aria-haspopup="dialog">
        {t("library.share.create")}
      </button>
      <Modal open={open} onClose={() => setOpen(false)} title={t("library.share.dialogTitle", { name })}>
        {share.isPending && <Loading />}
        {share.error && <ErrorNote error={share.error} />}
        {s?.url && (
          <>
            <p>
              {t("library.share.explain", {
                date: new Date(s.expires_at).toLocaleDateString(i18n.language, { dateStyle: "long" }),
              })}
            </p>
            <label className="share-link">
              {t("library.share.link")}
              <input ref={field} type="url" readOnly value={s.url} onFocus={(e) => e.currentTarget.select()} autoFocus />
            </label>
            <p role="status" className="muted">
              {copied === "yes" ? t("library.share.copied") : copied === "no" ? t("library.share.copyByHand") : ""}
            </p>
          </>
        )}
        <div className="modal-actions">
          <button type="button" onClick={() => setOpen(false)}>
            {t("library.share.close")}
          </button>
          {s?.url && (
            <button type="button" className="primary" onClick={() => void copy(s.url ?? "")}>
              {t("library.share.copy")}
            </button>
          )}
        </div>
      </Modal>
    </>
  );
}
