"""What a warm rerun (data unchanged) of a dashboard page does (issue 22): it
draws, and nothing else. At most one SQL statement (the data version with the
sign-in session), no read loaded or copied (st.cache_data would unpickle a
copy of the DataFrame on every call), nothing derived built anew, no export
file is made before someone clicks its download button, and the navigation's
st.Page objects are built once per role, not per run. Counted through real
AppTest runs on the demo database; how fast that is, the benchmark shows."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import event

from components import briefing_pdf, data, database, deck_export, deck_slides, exports, navigation
from tests.apptest import page_titles, signed_in

PAGES = [
    "pages/overview.py",
    "pages/participation.py",
    "pages/measures.py",
    "pages/calendar.py",
    "pages/presentation.py",
]
# Every maker of a file a dashboard page offers for download.
EXPORTS = [
    (exports, "csv_bytes"),
    (exports, "excel_bytes"),
    (exports, "chart_png"),
    (exports, "chart_svg"),
    (exports, "ics_bytes"),
    (deck_export, "deck_png_zip"),
    (deck_export, "deck_pdf"),
    (briefing_pdf, "briefing_pdf"),
    (deck_slides, "briefing_pdf"),  # imported by name there
]


def _counting(calls: list[str], name: str, function):
    @functools.wraps(function)
    def counted(*args, **kwargs):
        calls.append(name)
        return function(*args, **kwargs)

    return counted


@pytest.fixture
def spies(monkeypatch) -> dict[str, list[str]]:
    """Calls of the export makers and of the cached reads, from the moment the
    fixture is used on (the real functions still run)."""
    made: list[str] = []
    reads: list[str] = []
    for module, name in EXPORTS:
        function = getattr(module, name)
        monkeypatch.setattr(module, name, _counting(made, f"{module.__name__}.{name}", function))
    # a read from the database, and a read copied out of st.cache_data
    monkeypatch.setattr(data, "_load", _counting(reads, "load", data._load))
    monkeypatch.setattr(data, "_read", _counting(reads, "copy", data._read))
    return {"exports": made, "reads": reads}


def _open(page: str):
    at = signed_in("leitung")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _warm_rerun(at) -> list[str]:
    """Rerun AT with unchanged data; the SQL statements the rerun issued."""
    statements: list[str] = []
    engine = database.engine()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        at.run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not at.exception, at.exception
    return statements


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_rerun_reads_builds_and_exports_nothing(app_env, demo_engine, spies, page):
    at = _open(page)
    spies["exports"].clear()
    spies["reads"].clear()
    store = data._derived_store()
    built = set(store.values)
    _warm_rerun(at)
    assert spies["exports"] == []
    assert spies["reads"] == []
    assert set(store.values) == built  # nothing derived was built anew
    # The page still offers its downloads (made on click).
    assert at.get("download_button")


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_rerun_issues_at_most_one_sql_statement(app_env, demo_engine, page):
    statements = _warm_rerun(_open(page))
    assert len(statements) <= 1, statements  # the data version with the sign-in session


def test_navigation_pages_are_built_once_per_role(app_env, demo_engine):
    navigation.built_pages.cache_clear()
    viewer = signed_in("leitung")
    titles = page_titles(viewer)
    for _ in range(3):
        viewer.run()
    second = signed_in("leitung")
    second.switch_page("pages/measures.py").run()
    assert not second.exception, second.exception
    assert navigation.built_pages.cache_info().misses == 1
    assert page_titles(viewer) == page_titles(second) == titles
    editor = signed_in("geschaeftsstelle")
    editor.run()
    assert navigation.built_pages.cache_info().misses == 2
    assert len(page_titles(editor)) > len(titles)
