"""One ScriptCache for every AppTest run of a benchmark process, as a server
keeps one for all its sessions and runs.

AppTest makes a new ScriptCache for each run, so each of its reruns compiles
the scripts it runs anew (with Streamlit's magic AST pass): for app.py and a
page that is more CPU than the page's own work, which a server pays only once.
The workers (bench/worker.py, bench/floor_worker.py) call `share` before their
first run, so a warm rerun costs what it costs in the server."""

from __future__ import annotations

from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner


def share() -> None:
    """Make every AppTest run of this process use one ScriptCache."""
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment]
