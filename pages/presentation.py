import datetime as dt

import streamlit as st

from components import data, deck_slides, fmt, navigation, projector, run_context, ui
from db import deck_data as deck_db
from db.models import BERLIN

actor = navigation.page_actor("viewer")
today = dt.date.today()
state = st.session_state
titles = {s.key: s.title for s in deck_slides.SLIDES}


def _sitting_labels(day: dt.date) -> dict[int, str]:
    sittings = data.read(deck_db.sittings, day)
    return {int(r.id): f"{fmt.date(r.starts_at)} · {r.title}" for r in sittings.itertuples()}


sitting_labels = data.derived("deck_sittings", _sitting_labels, today)


def freeze() -> None:
    """Take the data the deck shows now; staff edits wait for the next refresh."""
    sitting = state.get("deck_sitting")
    if sitting is None and sitting_labels:
        sitting = state["deck_sitting"] = next(iter(sitting_labels))
    # Shared by every session that froze the same data version (nothing copied per session).
    state["deck_data"] = data.derived(
        "deck_data", lambda day, s: data.read(deck_db.deck_data, day, s), today, sitting
    )
    state["deck_frozen"] = (run_context.version(), today, sitting)
    state["deck_taken"] = fmt.datetime(dt.datetime.now(BERLIN))


def step(delta: int) -> None:
    state["deck_index"] = max(
        0, min(state.get("deck_index", 0) + delta, len(state["deck_slides"]) - 1)
    )


# The deck's settings live in keys of their own: widget keys are dropped while the
# controls are hidden (full screen).
state.setdefault("deck_slides", [s.key for s in deck_slides.SLIDES])


def remember(widget: str, setting: str) -> None:
    state[setting] = state[widget]
    if setting == "deck_sitting":
        freeze()


def leave_fullscreen() -> None:
    state["deck_fullscreen"] = state["deck_fullscreen_widget"] = False


fullscreen = state.get("deck_fullscreen", False)

if fullscreen:
    # Static CSS only (no data): hide the sidebar and Streamlit's chrome on the projector.
    st.html(
        "<style>[data-testid='stSidebar'],[data-testid='stHeader'],"
        "[data-testid='stSidebarCollapsedControl'],[data-testid='stElementToolbar']"
        "{display:none}"
        "[data-testid='stAppViewContainer'] [data-testid='stMainBlockContainer']"
        "{padding-top:1rem;max-width:100%}</style>"
    )
else:
    st.title("Präsentation")
    with st.expander("Folien und Sitzung wählen", expanded="deck_frozen" not in state):
        if sitting_labels:
            ids = list(sitting_labels)
            current = state.get("deck_sitting")
            st.selectbox(
                "Die Präsentation handelt von der Sitzung",
                ids,
                index=ids.index(current) if current in ids else 0,
                format_func=sitting_labels.get,
                key="deck_sitting_widget",
                on_change=remember,
                args=("deck_sitting_widget", "deck_sitting"),
            )
        st.multiselect(
            "Folien in dieser Reihenfolge",
            [s.key for s in deck_slides.SLIDES],
            default=state["deck_slides"],
            format_func=titles.get,
            key="deck_slides_widget",
            on_change=remember,
            args=("deck_slides_widget", "deck_slides"),
            placeholder="Folien auswählen",
            select_all=False,
            help="Die Reihenfolge der Auswahl ist die Reihenfolge der Folien.",
        )

if "deck_frozen" not in state:
    freeze()
slides = state["deck_slides"]


def refreshed() -> tuple[dict, list[str]]:
    """Data and slides of a new snapshot for the projectors."""
    freeze()
    return state["deck_data"], state["deck_slides"]


# On the projectors: the presenter's control of the shared snapshot.
live = not fullscreen and projector.live_id() is not None
if live and projector.control_panel(actor, refreshed):
    st.stop()
if not fullscreen:
    sitting = state.get("deck_sitting")
    projector.start_panel(
        actor,
        state["deck_data"],
        slides,
        f"Präsentation zur {sitting_labels[sitting]}"
        if sitting in sitting_labels
        else f"Präsentation vom {fmt.date(today)}",
        sitting,
    )
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
    bar.toggle(
        "Vollbild",
        key="deck_fullscreen_widget",
        on_change=remember,
        args=("deck_fullscreen_widget", "deck_fullscreen"),
        help="Nur die Folie mit Zurück, Weiter und dem Zähler; "
        "ein Klick auf den Zähler oder Esc beendet das Vollbild.",
    )
    bar.button(
        "Daten aktualisieren", icon=":material/refresh:", on_click=freeze, key="deck_refresh"
    )
    for label, name, mime, make in deck_slides.downloads(state["deck_data"], slides):
        bar.download_button(
            label,
            data=make,
            file_name=name,
            mime=mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"deck_{name}",
        )
if not slides:
    ui.empty("Bitte mindestens eine Folie auswählen.")
    st.stop()
index = min(state.get("deck_index", 0), len(slides) - 1)
state["deck_index"] = index
key = slides[index]
snapshot = state["deck_data"]

# The navigation above the slide, so that it is on screen without scrolling.
left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
left.button(
    "Zurück",
    icon=":material/arrow_back:",
    on_click=step,
    args=(-1,),
    disabled=index == 0,
    key="deck_prev",
    width="stretch",
)
counter = f"Folie {index + 1} von {len(slides)}"
if fullscreen:
    middle.button(
        counter,
        type="tertiary",
        on_click=leave_fullscreen,
        key="deck_counter",
        width="stretch",
        shortcut="Esc",
        help="Vollbild beenden",
    )
else:
    middle.markdown(f"**{counter}** · Stand der Daten: {state['deck_taken']}")
right.button(
    "Weiter",
    icon=":material/arrow_forward:",
    on_click=step,
    args=(1,),
    disabled=index == len(slides) - 1,
    key="deck_next",
    width="stretch",
)

st.header(deck_slides.slide_title(key, snapshot), anchor=False)
# The slide as the exports draw it, scaled to the width it gets: its type keeps its
# size relative to the slide on a projector, a laptop or a 1280x720 beamer.
image, alt_text = data.derived(
    f"deck_image_{key}",
    lambda *_frozen: deck_slides.slide_image(key, snapshot, deck_slides.SCREEN_WIDTH),
    *state["deck_frozen"],
)
# PNG as it is: with "auto" Streamlit would encode it anew as JPEG on every run.
st.image(image, width="stretch", alt=alt_text, output_format="PNG")
