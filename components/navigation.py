"""Which pages each role may open, and the shared sidebar."""

from __future__ import annotations

import copy
import functools
import runpy
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from components import auth, run_context
from db.config import PROJECT_ROOT
from db.permissions import Actor
from db.vocabulary import ROLE_LABELS

FRAME_FLAG = "_frame_running"
APP_PATH = PROJECT_ROOT / "app.py"


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    role: str
    section: str
    default: bool = False


PAGES: list[PageSpec] = [
    PageSpec("pages/overview.py", "Übersicht", ":material/dashboard:", "viewer", "Dashboard", True),
    PageSpec(
        "pages/participation.py",
        "Teilnahme nach Bereich",
        ":material/groups:",
        "viewer",
        "Dashboard",
    ),
    PageSpec("pages/measures.py", "Maßnahmen", ":material/task_alt:", "viewer", "Dashboard"),
    PageSpec("pages/calendar.py", "Kalender", ":material/calendar_month:", "viewer", "Dashboard"),
    PageSpec(
        "pages/presentation.py", "Präsentation", ":material/slideshow:", "viewer", "Dashboard"
    ),
    PageSpec(
        "pages/edit_members.py", "Mitglieder", ":material/person_edit:", "editor", "Bearbeiten"
    ),
    PageSpec(
        "pages/edit_meetings.py",
        "Termine & Anwesenheit",
        ":material/event_available:",
        "editor",
        "Bearbeiten",
    ),
    PageSpec(
        "pages/responses.py", "Rückmeldungen", ":material/how_to_reg:", "editor", "Bearbeiten"
    ),
    PageSpec(
        "pages/edit_measures.py",
        "Maßnahmen & Fortschritt",
        ":material/edit_note:",
        "editor",
        "Bearbeiten",
    ),
    PageSpec("pages/import_data.py", "Import", ":material/upload_file:", "editor", "Bearbeiten"),
    PageSpec("pages/reference.py", "Stammdaten", ":material/tune:", "admin", "Verwaltung"),
    PageSpec("pages/accounts.py", "Konten", ":material/manage_accounts:", "admin", "Verwaltung"),
    PageSpec("pages/audit.py", "Änderungsprotokoll", ":material/history:", "admin", "Verwaltung"),
    PageSpec("pages/projectors.py", "Beamer-Links", ":material/cast:", "admin", "Verwaltung"),
    PageSpec(
        "pages/subscriptions.py",
        "Abonnements",
        ":material/forward_to_inbox:",
        "admin",
        "Verwaltung",
    ),
    PageSpec("pages/privacy.py", "Datenschutz", ":material/privacy_tip:", "viewer", "Hinweise"),
    PageSpec(
        "pages/my_account.py", "Mein Konto", ":material/account_circle:", "viewer", "Hinweise"
    ),
]


def pages_for(actor: Actor) -> dict[str, list[st.Page]]:
    """Only the pages ACTOR's role may open, grouped by section.

    The st.Page objects are built once per role and process (built_pages) and
    copied for each run: st.navigation marks the page it returns as callable and
    Page.run clears the mark, so one object shared by sessions running at the
    same time could be refused ("cannot be called directly"). A copy costs a
    fraction of st.Page (path checks, icon validation, telemetry).
    """
    main = get_script_run_ctx().pages_manager.main_script_parent
    return {
        section: [copy.copy(page) for page in pages]
        for section, pages in built_pages(actor.role, main).items()
    }


@functools.cache
def built_pages(role: str, main_script_parent: Path) -> dict[str, tuple[st.Page, ...]]:
    """The st.Page objects of ROLE (paths resolved against MAIN_SCRIPT_PARENT, the
    entry script's folder); never passed to st.navigation themselves (see pages_for)."""
    actor = Actor("", role)
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if actor.may(spec.role):
            sections.setdefault(spec.section, []).append(
                st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
            )
    return {section: tuple(pages) for section, pages in sections.items()}


def sidebar(actor: Actor, display_name: str | None = None) -> None:
    with st.sidebar:
        st.caption("Angemeldet als")
        st.text(display_name or actor.username)
        st.caption(ROLE_LABELS.get(actor.role, actor.role))
        st.button(
            "Abmelden",
            icon=":material/logout:",
            on_click=auth.request_sign_out,
            key="nav_sign_out",
            width="stretch",
        )
        auth.cookie_marker()


def run_frame_first() -> None:
    """Run the frame instead of this page when Streamlit started the page script on
    its own (see `page_actor`); the frame then routes back to the page."""
    if not st.session_state.get(FRAME_FLAG):
        runpy.run_path(str(APP_PATH), run_name="__main__")
        st.stop()


def page_actor(role: str = "viewer") -> Actor:
    """First line of every page: the signed-in actor, who must hold ROLE.

    Streamlit still runs a `pages/` script on its own (without app.py) when a
    fresh server process gets its first request for a page URL, and AppTest
    does so on every rerun of a page. Then this runs the frame instead, which
    signs the user in, checks the role and routes back to this page.
    """
    run_frame_first()
    actor = run_context.actor()
    if actor is None or not actor.may(role):
        st.error("Für diese Seite fehlt Ihnen die Berechtigung.")
        st.stop()
    return actor
