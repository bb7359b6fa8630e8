"""The projector's colours and type are checked, not assumed."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest
from coloraide import Color

from components import charts

DEFICIENCIES = [None, "protan", "deutan", "tritan"]


@pytest.mark.parametrize("colour", charts.HIGH_CONTRAST)
def test_every_projector_colour_stands_out_from_the_white_background(colour):
    assert Color(colour).contrast("white", method="wcag21") >= 3.0


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_projector_colours_stay_apart_for_colour_blind_viewers(deficiency):
    seen = [
        Color(c) if deficiency is None else Color(c).filter(deficiency)
        for c in charts.HIGH_CONTRAST
    ]
    closest = min(a.delta_e(b, method="2000") for a, b in combinations(seen, 2))
    assert closest >= 15, f"two colours nearly alike ({deficiency}): ΔE2000 {closest:.1f}"


def test_projector_type_is_at_least_28_px_and_titles_larger():
    df = pd.DataFrame({"Bereich": ["Politik"], "Mitglieder": [3], "Anteil": [1.0]})
    config = charts.projector(charts.members_by_sector(df)).to_dict()["config"]
    assert config["axis"]["labelFontSize"] >= 28
    assert config["axis"]["titleFontSize"] >= 28
    assert config["legend"]["labelFontSize"] >= 28
    assert config["text"]["fontSize"] >= 28
    assert config["title"]["fontSize"] > config["axis"]["labelFontSize"]
    assert config["range"]["category"] == charts.HIGH_CONTRAST
