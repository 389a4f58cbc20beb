// An owner's playlist: the same rows as any track list, plus a drag handle
// (pointer or keyboard: Space picks up, arrows move, Space drops, Escape
// cancels, each step announced) and a remove button.
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type UniqueIdentifier,
} from "@dnd-kit/core";
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { useTranslation } from "react-i18next";
import type { QueueTrack } from "../../player/PlayerProvider";
import { describeError } from "../Status";
import { AddToPlaylist } from "../music/AddToPlaylist";
import { TrackRow } from "../music/TrackRow";
import { useTrackActions } from "../music/useTrackActions";
import type { PlaylistItem } from "../music/types";
import { usePlaylistEdits } from "./mutations";
import { dropTarget } from "./order";
import "../music/tracks.css";

export function SortablePlaylist({
  playlistId,
  label,
  items,
  tracks,
}: {
  playlistId: string;
  label: string;
  items: PlaylistItem[];
  /** One per item, in the same order. */
  tracks: QueueTrack[];
}) {
  const { t } = useTranslation();
  const actions = useTrackActions(tracks);
  const edits = usePlaylistEdits(playlistId);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const indexOf = (id: UniqueIdentifier) => items.findIndex((i) => i.id === id);
  const titleOf = (id: UniqueIdentifier) => tracks[indexOf(id)]?.title ?? "";
  const total = items.length;
  const announcements: Announcements = {
    onDragStart: ({ active }) =>
      t("catalog.reorder.picked", { title: titleOf(active.id), position: indexOf(active.id) + 1, total }),
    onDragOver: ({ active, over }) =>
      over
        ? t("catalog.reorder.over", { title: titleOf(active.id), position: indexOf(over.id) + 1, total })
        : t("catalog.reorder.outside", { title: titleOf(active.id) }),
    onDragEnd: ({ active, over }) =>
      over
        ? t("catalog.reorder.dropped", { title: titleOf(active.id), position: indexOf(over.id) + 1, total })
        : t("catalog.reorder.cancelled", { title: titleOf(active.id) }),
    onDragCancel: ({ active }) => t("catalog.reorder.cancelled", { title: titleOf(active.id) }),
  };

  function onDragEnd({ active, over }: DragEndEvent) {
    const move = dropTarget(items, String(active.id), over ? String(over.id) : null);
    if (!move) return;
    const title = titleOf(active.id);
    edits.mutate(
      { kind: "move", itemId: String(active.id), ...move },
      { onError: (e) => actions.setStatus(t("catalog.reorder.failed", { title, message: describeError(e, t) })) },
    );
  }

  function remove(item: PlaylistItem, title: string) {
    edits.mutate(
      { kind: "remove", itemId: item.id },
      {
        onSuccess: () => actions.setStatus(t("catalog.playlist.removed", { title })),
        onError: (e) => actions.setStatus(t("catalog.playlist.removeFailed", { title, message: describeError(e, t) })),
      },
    );
  }

  return (
    <>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{ announcements, screenReaderInstructions: { draggable: t("catalog.reorder.instructions") } }}
      >
        <SortableContext items={items.map((i) => i.id)} strategy={verticalListSortingStrategy}>
          <ol className="track-list" aria-label={label}>
            {items.map((item, index) => (
              <SortableRow
                key={item.id}
                item={item}
                index={index}
                track={tracks[index]}
                actions={actions}
                onRemove={() => remove(item, tracks[index].title)}
              />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
      <p role="status" className="track-status">
        {actions.status}
      </p>
      <AddToPlaylist track={actions.adding} onClose={actions.stopAdding} onDone={actions.setStatus} />
    </>
  );
}

function SortableRow({
  item,
  index,
  track,
  actions,
  onRemove,
}: {
  item: PlaylistItem;
  index: number;
  track: QueueTrack;
  actions: ReturnType<typeof useTrackActions>;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { setNodeRef, setActivatorNodeRef, attributes, listeners, transform, transition, isDragging } = useSortable({
    id: item.id,
    attributes: { roleDescription: t("catalog.reorder.roleDescription") },
  });
  return (
    <TrackRow
      rowRef={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={isDragging ? "dragging" : undefined}
      track={track}
      index={index}
      art
      playing={actions.current?.id === track.id && !actions.failed}
      liked={actions.isLiked(track.id)}
      onPlay={() => actions.play(index)}
      onPlayNext={() => actions.playNext(track)}
      onEnqueue={() => actions.enqueue(track)}
      onRadio={() => actions.radio(track)}
      onToggleLike={() => actions.toggleLike(track)}
      onAddToPlaylist={() => actions.addToPlaylist(track)}
      leading={
        <button
          type="button"
          ref={setActivatorNodeRef}
          className="icon-button handle"
          {...attributes}
          {...listeners}
          aria-label={t("catalog.reorder.handle", { title: track.title })}
        >
          <span aria-hidden="true">⠿</span>
        </button>
      }
      trailing={
        <button type="button" className="icon-button" aria-label={t("catalog.playlist.remove", { title: track.title })} onClick={onRemove}>
          <span aria-hidden="true">✕</span>
        </button>
      }
    />
  );
}
