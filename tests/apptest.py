"""Driving the real app through AppTest: open, sign in through the real form."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from db.config import PROJECT_ROOT
from db.demo import DEMO_USERS

APP = str(PROJECT_ROOT / "app.py")
PASSWORDS = {username: password for username, _, _, password in DEMO_USERS}


def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def submit_sign_in(at: AppTest, username: str, password: str) -> AppTest:
    next(t for t in at.text_input if t.label == "Benutzername").input(username)
    next(t for t in at.text_input if t.label == "Passwort").input(password)
    next(b for b in at.button if b.label == "Anmelden").click()
    at.run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def signed_in(username: str) -> AppTest:
    """A fresh app session signed in as the demo account USERNAME."""
    return submit_sign_in(open_app(), username, PASSWORDS[username])


def page_titles(at: AppTest) -> list[str]:
    """Titles of the pages st.navigation registered in the last run."""
    return [page["page_name"] for page in at._registered_pages.values()]


def shows_sign_in_form(at: AppTest) -> bool:
    return any(b.label == "Anmelden" for b in at.button)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def widget(at: AppTest, kind: str, label: str, form: str | None = None):
    """The widget of KIND ('text_input', 'selectbox', ...) with LABEL (in FORM)."""
    found = [
        w
        for w in getattr(at, kind)
        if w.label == label and (form is None or w.proto.form_id == form)
    ]
    assert len(found) == 1, f"{len(found)} {kind} named {label!r} in {form!r}"
    return found[0]


def submit(at: AppTest, label: str, form: str | None = None) -> AppTest:
    """Click the form's submit button LABEL and run."""
    buttons = [
        b for b in at.button if b.label == label and (form is None or b.proto.form_id == form)
    ]
    assert len(buttons) == 1, f"{len(buttons)} buttons named {label!r}"
    buttons[0].click()
    at.run()
    assert not at.exception, [(e.message, e.stack_trace[-6:]) for e in at.exception]
    return at


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)
