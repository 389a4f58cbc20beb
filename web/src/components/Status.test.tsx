import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import i18n from "../i18n";
import { describeError, ErrorNote } from "./Status";

describe("errors for people", () => {
  afterEach(async () => {
    await i18n.changeLanguage("en");
  });

  it("word the server's code in the listener's language, and name blamed fields", async () => {
    const ru = i18n.getFixedT("ru");
    const missing = new ApiError(404, "not_found", "album not found", [], null, "album");
    expect(describeError(missing, ru)).toBe("Такого альбома нет, или его удалили.");
    expect(describeError(new ApiError(404, "not_found", "route not found", [], null, "route"), ru)).toBe("Не найдено.");
    expect(describeError(new ApiError(503, "unavailable", "the database is unavailable"), ru)).toMatch(/попробуйте/);
    const blamed = new ApiError(400, "invalid_field", "name: too long", [{ field: "name", message: "too long" }]);
    expect(describeError(blamed, ru)).toBe("name: too long");
    expect(describeError(new ApiError(409, "version_mismatch", "changed meanwhile"), ru)).toBe("changed meanwhile");
  });

  it("offer no retry for what is not there, and say it without 'something went wrong'", async () => {
    await i18n.changeLanguage("ru");
    const { unmount } = render(<ErrorNote error={new ApiError(404, "not_found", "album not found", [], null, "album")} retry={() => {}} />);
    expect(screen.getByRole("alert").textContent).toBe("Такого альбома нет, или его удалили.");
    expect(screen.queryByRole("button")).toBeNull();
    unmount();
    render(<ErrorNote error={new ApiError(503, "unavailable", "busy")} retry={() => {}} />);
    expect(screen.getByRole("button", { name: "Повторить" })).toBeTruthy();
  });
});
