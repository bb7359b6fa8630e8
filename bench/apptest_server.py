"""AppTest run as the server runs the app, for the benchmark's page times.

Two things AppTest does that a server does not, each more CPU per warm rerun
than a dashboard page's own work:

- It makes a new ScriptCache for each run, so every rerun compiles the scripts
  anew (with Streamlit's magic AST pass). A server keeps one for all sessions.
- It forgets before each run whether the app uses st.navigation
  (`PagesManager.uses_pages_directory = None`), so with a `pages/` folder beside
  the main script every run goes through Streamlit's emulation of the old
  multipage apps: an st.Page per file in `pages/`, and the page script run on
  its own, which then runs app.py again (navigation.page_actor). In a server the
  first st.navigation call switches that off for good, and app.py's
  st.navigation runs the page.

The workers (bench/worker.py, bench/floor_worker.py) call `like_a_server` before
their first run, so a warm rerun costs what it costs in the server."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner


def like_a_server() -> None:
    """One ScriptCache for every AppTest run of this process; no pages/ emulation."""
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment]
    made = PagesManager.__init__

    def without_pages_directory(self: PagesManager, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # as st.navigation leaves it

    PagesManager.__init__ = without_pages_directory  # type: ignore[method-assign]
