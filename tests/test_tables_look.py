"""Tables as people see them: Streamlit draws a missing value in st.dataframe as
a grey "None" unless the table has a placeholder, and a float column without a
format with all its decimals. Every
table of every page, for every role, on the demo data (the browser suite cannot
read the canvas st.dataframe draws on)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from components.navigation import PAGES
from db.demo import DEMO_USERS
from db.permissions import Actor
from tests.apptest import signed_in

ROLES = {username: role for username, _, role, _ in DEMO_USERS}


def _formatted_columns(element) -> set[str]:
    """Columns the page gave a number format (st.column_config ... format=...)."""
    config = json.loads(element.proto.columns or "{}")
    return {
        name for name, column in config.items() if (column.get("type_config") or {}).get("format")
    }


def table_problems(at, where: str) -> list[str]:
    found = []
    for element in at.dataframe:
        df: pd.DataFrame = element.value
        formatted = _formatted_columns(element)
        for column in df.columns:
            values = df[column]
            # st.dataframe(placeholder=...) draws a missing value as that text instead
            if values.isna().any() and not element.proto.placeholder:
                rows = ", ".join(str(i) for i in values[values.isna()].index[:3])
                found.append(f"{where}: Spalte {column!r} zeigt „None“ (Zeilen {rows})")
            if pd.api.types.is_float_dtype(values) and str(column) not in formatted:
                found.append(f"{where}: Spalte {column!r} ohne Zahlenformat (Dezimalpunkt)")
    return found


@pytest.mark.parametrize("username", list(ROLES))
def test_no_table_shows_a_missing_value_or_raw_float(app_env, demo_engine, username):
    actor = Actor(username, ROLES[username])
    found: list[str] = []
    for spec in PAGES:
        if not actor.may(spec.role):
            continue
        at = signed_in(username)
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.title, at.exception)
        found += table_problems(at, f"{username} › {spec.title}")
    assert found == [], "\n".join(found)
