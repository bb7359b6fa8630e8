"""The Beamer view and its control (issue 18).

`beamer_view` is all a projector link shows: the slide the presenter put on
screen, full screen, asked for once a second (one small query by the link's
token hash; the slide's image only when it changed). `take_snapshot` renders
a deck once into the slides the database keeps for a presentation;
`control_panel` is the presenter's side: current and next slide, notes, clock,
Zurück/Weiter (also by arrow keys and a clicker's PageUp/PageDown).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import Any

import streamlit as st

from components import data, database, deck_notes, deck_slides, fmt
from db import projection
from db.errors import DomainError
from db.models import BERLIN
from db.permissions import Actor

TOKEN_PARAM = "beamer"
START_HELP = (
    "Die Folien auf einem oder mehreren Beamern zeigen, gesteuert von diesem Gerät, "
    "oder eine laufende Präsentation übernehmen."
)
POLL_SECONDS = 1.0
CLOCK_SECONDS = 10.0
LIVE_KEY = "deck_live"  # the id of the presentation this browser controls
CONFERENCE = "Hessische Integrationskonferenz"
LINK_GONE = (
    "Dieser Beamer-Link gilt nicht mehr (abgelaufen oder zurückgezogen). Bitte bei der "
    "Geschäftsstelle einen neuen Link anfordern."
)

# Static CSS only (no data): the projector shows the slide and nothing else, and the
# slide fits the screen (1920x1080 and 1280x720) without scrolling.
BEAMER_CSS = (
    "<style>"
    "[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stToolbar'],"
    "[data-testid='stSidebarCollapsedControl'],[data-testid='stElementToolbar'],"
    "[data-testid='stStatusWidget'],[data-testid='stDecoration']{display:none}"
    "[data-testid='stAppViewContainer'] [data-testid='stMainBlockContainer']"
    "{padding:1.5vh 3vw 0 3vw;max-width:100%}"
    "[data-testid='stMain']{overflow:hidden}"
    ".st-key-beamer_slide h1{font-size:5vh;line-height:1.15;padding:0 0 1vh 0}"
    ".st-key-beamer_slide img{width:100%!important;height:76vh;object-fit:contain}"
    ".st-key-beamer_slide [data-testid='stCaptionContainer']{font-size:1.8vh}"
    ".st-key-beamer_title{padding-top:30vh;text-align:center}"
    ".st-key-beamer_title h1{font-size:7vh}"
    ".st-key-beamer_title p{font-size:3vh}"
    "</style>"
)
# The clicker's PageUp/PageDown act through buttons of their own, kept off screen.
HIDDEN_KEYS_CSS = (
    "<style>.st-key-deck_live_pageup,.st-key-deck_live_pagedown"
    "{position:absolute;left:-10000px;height:0;overflow:hidden}</style>"
)


def _now() -> dt.datetime:
    return dt.datetime.now(BERLIN)


# --- the snapshot ---------------------------------------------------------------------------


def take_snapshot(deck_data: dict[str, Any], keys: Sequence[str]) -> list[projection.SlideSnapshot]:
    """Slides KEYS of DECK_DATA as the projector shows them (rendered once, with a
    progress bar: a chart takes a moment to draw)."""
    bar = st.progress(0.0, text="Folien werden vorbereitet …")
    slides = []
    for number, key in enumerate(keys, start=1):
        image, alt_text = deck_slides.slide_image(key, deck_data, deck_slides.SCREEN_WIDTH)
        slides.append(
            projection.SlideSnapshot(
                key=key,
                title=deck_slides.slide_title(key, deck_data),
                notes=deck_notes.notes(key, deck_data),
                image=image,
                alt_text=alt_text,
            )
        )
        bar.progress(number / len(keys), text=f"Folie {number} von {len(keys)} vorbereitet")
    bar.empty()
    return slides


# --- the projector --------------------------------------------------------------------------


def beamer_view() -> None:
    """The page behind a projector link: the current slide, or a neutral title slide
    between sittings, or a notice (and no data) for a link that no longer holds."""
    st.html(BEAMER_CSS)
    token = st.query_params.get(TOKEN_PARAM, "")
    _follow(token)


@st.fragment(run_every=POLL_SECONDS)
def _follow(token: str) -> None:
    state = data.read_fresh(projection.projector_state, token, _now())
    if state is None or not state.link_ok:
        st.session_state.pop("beamer_shown", None)
        st.warning(LINK_GONE, icon=":material/link_off:")
        return
    showing = state.showing
    if showing is None:
        st.session_state.pop("beamer_shown", None)
        with st.container(key="beamer_title"):
            st.markdown(f"# {CONFERENCE}")
            st.markdown("Die Präsentation beginnt in Kürze.")
        return
    shown = st.session_state.get("beamer_shown")
    if shown is None or shown[0] != showing:
        slide = data.read_fresh(projection.slide, showing[0], showing[1])
        shown = st.session_state["beamer_shown"] = (showing, slide)
    slide = shown[1]
    if slide is None:
        return
    with st.container(key="beamer_slide"):
        st.markdown(f"# {fmt.md(slide.title)}")
        st.image(slide.image, alt=slide.alt_text, output_format="PNG")
        st.caption(f"Stand der Daten: {fmt.datetime(state.snapshot_at)}")


# --- the presenter --------------------------------------------------------------------------


def live_id() -> int | None:
    return st.session_state.get(LIVE_KEY)


def _write(actor: Actor, service: Any, *args: Any) -> bool:
    try:
        database.write(actor, service, *args)
    except DomainError as exc:
        st.error(fmt.md(str(exc)), icon=":material/error:")
        return False
    return True


def start_panel(
    actor: Actor, deck_data: dict[str, Any], keys: Sequence[str], title: str, sitting: int | None
) -> None:
    """ "Auf den Beamer": choose the projectors, take the snapshot, start; or continue a
    presentation that is running (after a reload, or from another device). Read only
    while the switch is on, so the deck's own reruns cost no query for it."""
    if not st.toggle("Auf den Beamer", key="deck_live_open", help=START_HELP):
        return
    links = data.read_fresh(projection.links, _now())
    active = links[links["state"] == "active"]
    running = data.read_fresh(projection.running)
    with st.container(border=True):
        if active.empty:
            st.info(
                "Noch kein Beamer-Link angelegt. Die Administration legt ihn auf der Seite "
                "„Beamer-Links“ an.",
                icon=":material/link:",
            )
        else:
            names = dict(zip(active["id"], active["label"], strict=True))
            with st.form("deck_live_start_form", border=False):
                chosen = st.multiselect(
                    "Beamer",
                    list(names),
                    format_func=names.get,
                    key="deck_live_links",
                    placeholder="Beamer wählen",
                    select_all=False,
                )
                submitted = st.form_submit_button(
                    "Auf den Beamer", icon=":material/cast:", type="primary", key="deck_live_start"
                )
            if submitted and not chosen:
                st.error("Beamer: Bitte mindestens einen Beamer wählen.", icon=":material/error:")
            elif submitted and not keys:
                st.error("Folien: Bitte mindestens eine Folie auswählen.", icon=":material/error:")
            elif submitted:
                _start(actor, deck_data, keys, title, sitting, chosen)
        if not running.empty:
            labels = {
                int(r.id): f"{r.title} · seit {fmt.datetime(r.started_at)} · "
                f"{fmt.number(r.projectors)} Beamer"
                for r in running.itertuples()
            }
            which = st.selectbox(
                "Laufende Präsentation übernehmen",
                list(labels),
                format_func=labels.get,
                key="deck_live_running",
            )
            if st.button("Übernehmen", icon=":material/play_arrow:", key="deck_live_join"):
                st.session_state[LIVE_KEY] = which
                st.rerun()


def _start(
    actor: Actor,
    deck_data: dict[str, Any],
    keys: Sequence[str],
    title: str,
    sitting: int | None,
    links: list[int],
) -> None:
    slides = take_snapshot(deck_data, keys)
    try:
        presentation_id = database.write(
            actor, projection.start, title, sitting, slides, links, _now()
        )
    except DomainError as exc:
        st.error(fmt.md(str(exc)), icon=":material/error:")
        return
    st.session_state[LIVE_KEY] = presentation_id
    st.session_state["deck_live_started"] = _now()
    st.rerun()


def _move(actor: Actor, presentation_id: int, position: int) -> None:
    """Zurück/Weiter (a button's callback): a presentation that ended meanwhile is
    noticed by the panel on this very run."""
    with contextlib.suppress(DomainError):
        database.write(actor, projection.move, presentation_id, position)


def control_panel(actor: Actor, refreshed: Any) -> bool:
    """The presenter's control of the running presentation: Zurück/Weiter, current and
    next slide, notes, clock; "Daten aktualisieren" (REFRESHED() gives the deck data
    and slide keys of a new snapshot), the projectors, the end. False when the
    presentation ended meanwhile (the page shows the deck again)."""
    presentation_id = live_id()
    running = data.read_fresh(projection.running)
    row = running[running["id"] == presentation_id]
    if row.empty:
        st.session_state.pop(LIVE_KEY, None)
        st.info("Die Präsentation auf dem Beamer wurde beendet.", icon=":material/cast:")
        return False
    row = row.iloc[0]
    keys = data.read_fresh(projection.slide_keys, presentation_id)
    position = min(int(row["position"]), len(keys) - 1)
    st.html(HIDDEN_KEYS_CSS)
    with st.container(border=True):
        head, clock = st.columns([3, 1], vertical_alignment="center")
        head.markdown(f"**Auf dem Beamer:** {fmt.md(row['title'])}")
        with clock:
            _clock(row["started_at"])
        left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
        back = dict(on_click=_move, args=(actor, presentation_id, position - 1))
        forward = dict(on_click=_move, args=(actor, presentation_id, position + 1))
        left.button(
            "Zurück",
            icon=":material/arrow_back:",
            disabled=position == 0,
            key="deck_live_prev",
            width="stretch",
            shortcut="Left",
            **back,
        )
        middle.markdown(
            f"**Folie {position + 1} von {len(keys)}** · Stand der Daten: "
            f"{fmt.datetime(row['snapshot_at'])}"
        )
        right.button(
            "Weiter",
            icon=":material/arrow_forward:",
            disabled=position >= len(keys) - 1,
            key="deck_live_next",
            width="stretch",
            shortcut="Right",
            type="primary",
            **forward,
        )
        st.button("Bild auf", key="deck_live_pageup", shortcut="PageUp", **back)
        st.button("Bild ab", key="deck_live_pagedown", shortcut="PageDown", **forward)
        now_slide = data.read_fresh(projection.slide, presentation_id, position)
        next_slide = data.read_fresh(projection.slide, presentation_id, position + 1)
        current, following = st.columns(2)
        with current:
            st.markdown(f"**Jetzt:** {fmt.md(now_slide.title)}")
            st.image(now_slide.image, alt=now_slide.alt_text, output_format="PNG")
            st.markdown(f"**Notizen:** {fmt.md(now_slide.notes)}")
        with following:
            if next_slide is None:
                st.markdown("**Danach:** Ende der Präsentation")
            else:
                st.markdown(f"**Danach:** {fmt.md(next_slide.title)}")
                st.image(next_slide.image, alt=next_slide.alt_text, output_format="PNG")
        _projectors(actor, presentation_id)
        bar = st.container(horizontal=True, gap="small")
        if bar.button("Daten aktualisieren", icon=":material/refresh:", key="deck_live_refresh"):
            deck_data, slide_keys = refreshed()
            slides = take_snapshot(deck_data, slide_keys)
            if _write(actor, projection.refresh, presentation_id, slides, _now()):
                st.rerun()
        ended = bar.button("Präsentation beenden", icon=":material/stop:", key="deck_live_end")
        if ended and _write(actor, projection.end, presentation_id, _now()):
            st.session_state.pop(LIVE_KEY, None)
            st.rerun()
    return True


def _projectors(actor: Actor, presentation_id: int) -> None:
    """Which projectors follow the presentation (add the overflow room, drop one)."""
    links = data.read_fresh(projection.links, _now())
    active = links[links["state"] == "active"]
    names = dict(zip(active["id"], active["label"], strict=True))
    following = [i for i in data.read_fresh(projection.following, presentation_id) if i in names]
    with st.form(f"deck_live_projectors_{presentation_id}", border=False):
        chosen = st.multiselect(
            "Beamer, die folgen",
            list(names),
            default=following,
            format_func=names.get,
            placeholder="Beamer wählen",
            select_all=False,
        )
        submitted = st.form_submit_button("Beamer übernehmen", icon=":material/cast:")
        if submitted and _write(actor, projection.attach, presentation_id, chosen, _now()):
            st.rerun()


@st.fragment(run_every=CLOCK_SECONDS)
def _clock(started_at: dt.datetime) -> None:
    now = _now()
    minutes = int((now - started_at).total_seconds() // 60)
    st.markdown(
        f"**{now:%H:%M} Uhr** · seit Beginn {fmt.number(minutes)} Min.",
        help="Uhrzeit und Dauer seit dem Start der Präsentation",
    )
