"""What a reader sees of a chart, checked on its rendered SVG: every text inside
the chart's own box, no label cut to "…", no white figure off its mark, no two
texts on top of each other, and a legend for every chart with several colour
series.

The SVG is rendered offline by vl-convert (as the PNG/SVG downloads are) and
measured in Debian's Chromium (getBoundingClientRect of each <text>, rotated
texts included), so the boxes are those of real glyphs, not estimates.
Reusable: `problems(page, svg, spec)` works on any Vega(-Lite) SVG, e.g. one
taken from a page in the browser suite.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from components.exports import chart_svg

TOLERANCE = 1.0  # px; anti-aliasing and rounding of the renderer
OVERLAP = 2.0  # px in both directions before two texts count as overlapping
WHITE = {"rgb(255, 255, 255)", "#fff", "#ffffff", "white"}

MEASURE = """
(svg) => {
  document.body.innerHTML = svg;
  const root = document.querySelector('svg');
  const origin = root.getBoundingClientRect();
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top];
  };
  const role = (el) => {
    const g = el.closest('g[class*="role-"]');
    const m = g ? g.getAttribute('class').match(/role-([a-z-]+)/) : null;
    return m ? m[1] : '';
  };
  return {
    width: parseFloat(root.getAttribute('width')),
    height: parseFloat(root.getAttribute('height')),
    texts: [...root.querySelectorAll('text')].filter((t) => t.textContent.trim()).map((t) => ({
      text: t.textContent, box: box(t), fill: getComputedStyle(t).fill, role: role(t),
      opacity: parseFloat(getComputedStyle(t).opacity),
    })),
    marks: [...root.querySelectorAll('g.mark-rect path, g.mark-rect rect')].map(box),
  };
}
"""


@dataclass(frozen=True)
class Text:
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom in SVG pixels
    fill: str
    role: str


def measure(page: Any, svg: str) -> tuple[float, float, list[Text], list[tuple]]:
    """Width, height, the texts and the rectangle marks of SVG, laid out by PAGE
    (a Playwright page)."""
    page.set_content("<html><body style='margin:0;padding:0'></body></html>")
    found = page.evaluate(MEASURE, svg)
    texts = [
        Text(t["text"], tuple(t["box"]), t["fill"], t["role"])
        for t in found["texts"]
        if t["opacity"] > 0
    ]
    return found["width"], found["height"], texts, [tuple(m) for m in found["marks"]]


def _inside(inner: tuple, outer: tuple, tolerance: float = TOLERANCE) -> bool:
    return (
        inner[0] >= outer[0] - tolerance
        and inner[1] >= outer[1] - tolerance
        and inner[2] <= outer[2] + tolerance
        and inner[3] <= outer[3] + tolerance
    )


def _overlap(a: tuple, b: tuple) -> bool:
    return (
        min(a[2], b[2]) - max(a[0], b[0]) > OVERLAP and min(a[3], b[3]) - max(a[1], b[1]) > OVERLAP
    )


def _colour_series(spec: dict[str, Any]) -> int:
    """Most distinct values of a nominal/ordinal colour field in any layer of SPEC."""
    datasets = spec.get("datasets", {})
    most = 0

    def walk(node: dict[str, Any], data: list | None) -> None:
        nonlocal most
        if isinstance(node.get("data"), dict) and "name" in node["data"]:
            data = datasets.get(node["data"]["name"], data)
        color = node.get("encoding", {}).get("color", {})
        if color.get("field") and color.get("type") in ("nominal", "ordinal") and data:
            most = max(most, len({row.get(color["field"]) for row in data}))
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for child in node.get(key, []):
                walk(child, data)

    walk(spec, None)
    return most


def problems(page: Any, svg: str, spec: dict[str, Any] | None = None) -> list[str]:
    """Everything a reader would find wrong with the texts of SVG (empty when none)."""
    width, height, texts, marks = measure(page, svg)
    found = []
    frame = (0.0, 0.0, width, height)
    for t in texts:
        where = f"{t.text!r} ({t.role}) at {[round(v) for v in t.box]} in {width:.0f}x{height:.0f}"
        if not _inside(t.box, frame):
            found.append(f"text leaves the chart: {where}")
        if t.text.rstrip().endswith("…"):
            found.append(f"text cut with an ellipsis: {where}")
        if t.fill.replace(" ", "") in {w.replace(" ", "") for w in WHITE} and not any(
            _inside(t.box, m, 0.5) for m in marks
        ):
            found.append(f"white text off its mark: {where}")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _overlap(a.box, b.box):
                found.append(f"texts overlap: {a.text!r} ({a.role}) and {b.text!r} ({b.role})")
    if spec is not None:
        series = _colour_series(spec)
        legend = [t for t in texts if t.role == "legend-label"]
        if series > 1 and len(legend) < series:
            found.append(f"{series} colour series but {len(legend)} legend labels")
    return found


def at_width(spec: dict[str, Any], width: int | None, height: int | None = None) -> dict[str, Any]:
    """SPEC as Streamlit draws it in a column WIDTH px wide (width='stretch':
    Vega-Lite's container width, autosize fit-x including the padding), and HEIGHT
    px high if given (both: autosize fit)."""
    spec = copy.deepcopy(spec)
    if width is not None:
        spec["width"] = width
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    if height is not None:
        spec["height"] = height
        spec["autosize"] = {"type": "fit" if width else "fit-y", "contains": "padding"}
    return spec


class _Spec:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self.spec


def chart_problems(
    page: Any, chart: Any, width: int | None = None, height: int | None = None
) -> list[str]:
    """`problems` of an Altair CHART rendered WIDTH x HEIGHT px (None: its own size)."""
    spec = at_width(chart.to_dict(), width, height)
    svg = chart_svg(_Spec(spec)).decode("utf-8")
    return problems(page, svg, json.loads(json.dumps(spec)))
