// Every page of the app. Pages load lazily, so the first load carries only the
// shell, the player, sign-in and the page opened; the chart library comes
// with the pages that draw charts.
import { createBrowserRouter } from "react-router";
import { Layout } from "./components/Layout";
import { RequireAuth } from "./components/RequireAuth";
// The pages a visitor lands on first come with the shell, not one request later.
import SignIn from "./pages/SignIn";
import SignUp from "./pages/SignUp";

const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({
  Component: (await load()).default,
});

export const router = createBrowserRouter([
  {
    Component: Layout,
    children: [
      { path: "/signin", Component: SignIn },
      { path: "/signup", Component: SignUp },
      // A share link opens for anyone, signed in or not.
      { path: "/s/:token", lazy: page(() => import("./pages/Share")) },
      {
        Component: RequireAuth,
        children: [
          { index: true, lazy: page(() => import("./pages/Home")) },
          { path: "/search", lazy: page(() => import("./pages/Search")) },
          { path: "/browse", lazy: page(() => import("./pages/Browse")) },
          { path: "/browse/genres/:genre", lazy: page(() => import("./pages/Browse")) },
          { path: "/browse/decades/:decade", lazy: page(() => import("./pages/Browse")) },
          { path: "/artists/:id", lazy: page(() => import("./pages/Artist")) },
          { path: "/albums/:id", lazy: page(() => import("./pages/Album")) },
          { path: "/playlists/:id", lazy: page(() => import("./pages/Playlist")) },
          { path: "/library", lazy: page(() => import("./pages/Library")) },
          { path: "/me", lazy: page(() => import("./pages/Me")) },
          { path: "/studio", lazy: page(() => import("./pages/Studio")) },
          { path: "/dashboard", lazy: page(() => import("./pages/Dashboard")) },
        ],
      },
      { path: "*", lazy: page(() => import("./pages/NotFound")) },
    ],
  },
]);
