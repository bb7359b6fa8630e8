"""The projector's colours and type are checked, not assumed."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest
from coloraide import Color

from components import charts
from components.exports import chart_svg

DEFICIENCIES = [None, "protan", "deutan", "tritan"]


# The projector's category colours, and the status colours (which carry white figures).
PALETTES = {"projector": charts.HIGH_CONTRAST, "status": charts.STATUS_COLOURS}


@pytest.mark.parametrize(
    "colour", [c for colours in PALETTES.values() for c in colours], ids=lambda c: c
)
def test_every_palette_colour_stands_out_from_the_white_background(colour):
    assert Color(colour).contrast("white", method="wcag21") >= 3.0


@pytest.mark.parametrize("palette", list(PALETTES))
@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_palette_colours_stay_apart_for_colour_blind_viewers(palette, deficiency):
    seen = [
        Color(c) if deficiency is None else Color(c).filter(deficiency) for c in PALETTES[palette]
    ]
    closest = min(a.delta_e(b, method="2000") for a, b in combinations(seen, 2))
    assert closest >= 15, f"two colours nearly alike ({deficiency}): ΔE2000 {closest:.1f}"


def test_projector_type_is_at_least_28_px_and_titles_larger():
    df = pd.DataFrame({"sector": ["Politik"], "members": [3], "share": [1.0]})
    config = charts.projector(charts.members_by_sector(df)).to_dict()["config"]
    assert config["axis"]["labelFontSize"] >= 28
    assert config["axis"]["titleFontSize"] >= 28
    assert config["legend"]["labelFontSize"] >= 28
    assert config["text"]["fontSize"] >= 28
    spec = charts.projector(charts.members_by_sector(df)).to_dict()
    figure = next(p for p in spec["params"] if p["name"] == charts.FIGURE_SIZE)
    assert figure["value"] == charts.PROJECTOR_FONT  # the figures on the marks, too
    assert config["title"]["fontSize"] > config["axis"]["labelFontSize"]
    assert config["range"]["category"] == charts.HIGH_CONTRAST


def _status_fills(chart) -> dict[str, str]:
    spec = chart.to_dict()
    layer = next(x for x in spec["layer"] if x["encoding"].get("color", {}).get("field"))
    scale = layer["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"], strict=True))


def test_a_status_has_one_colour_on_screen_on_slides_and_in_exports():
    names = ["vorgeschlagen", "geplant", "in Umsetzung", "umgesetzt", "zurückgestellt"]
    statuses = pd.DataFrame(
        {"name": names, "is_done": [False, False, False, True, False],
         "is_discontinued": [False, False, False, False, True]}
    )  # fmt: skip
    counts = pd.DataFrame(
        {"area": "AG", "area_order": 0, "status": names, "status_order": range(5),
         "measures": [1, 2, 3, 4, 5]}
    )  # fmt: skip
    screen = charts.status_distribution(counts, statuses)
    slide = charts.projector(charts.status_distribution(counts, statuses))
    # An explicit range wins over the theme's category colours (PALETTE / HIGH_CONTRAST).
    assert _status_fills(screen) == _status_fills(slide)
    assert list(_status_fills(screen).values()) == charts.status_colours(statuses)
    for chart in (screen, slide):
        svg = chart_svg(chart).decode()
        for colour in charts.status_colours(statuses):
            assert f'fill="{colour}"' in svg


def test_done_is_green_and_discontinued_black_whatever_their_order():
    statuses = pd.DataFrame(
        {"name": ["erledigt", "neu", "gestoppt", "läuft"], "is_done": [True, False, False, False],
         "is_discontinued": [False, False, True, False]}
    )  # fmt: skip
    assert charts.status_colours(statuses) == [
        charts.STATUS_DONE,
        charts.STATUS_OPEN[0],
        charts.STATUS_DISCONTINUED,
        charts.STATUS_OPEN[1],
    ]
