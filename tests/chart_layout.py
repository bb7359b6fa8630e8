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

# Runs on an <svg> element (offline: the rendered file; in the browser suite: the
# chart Streamlit drew): the boxes of its texts and marks, relative to the SVG.
MEASURE = """
(root) => {
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
  const colours = (selector, attr) => [...new Set([...root.querySelectorAll(selector)]
      .map((p) => p.getAttribute(attr)).filter((c) => c && c !== 'none' && c !== 'transparent'))];
  return {
    width: origin.width,
    height: origin.height,
    texts: [...root.querySelectorAll('text')].filter((t) => t.textContent.trim()).map((t) => ({
      text: t.textContent, box: box(t), fill: getComputedStyle(t).fill, role: role(t),
      opacity: parseFloat(getComputedStyle(t).opacity),
    })),
    marks: [...root.querySelectorAll('g.mark-rect path, g.mark-rect rect')].map(box)
      .filter((b) => b[2] > b[0] && b[3] > b[1]),
    lines: colours('g.mark-line path', 'stroke'),
    fills: [...new Set([...colours('g.mark-rect path', 'fill'), ...colours('g.mark-symbol path', 'fill'),
                        ...colours('g.mark-arc path', 'fill'), ...colours('g.mark-area path', 'fill')])],
  };
}
"""


@dataclass(frozen=True)
class Text:
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom in SVG pixels
    fill: str
    role: str


@dataclass(frozen=True)
class Layout:
    """What MEASURE found in one SVG."""

    width: float
    height: float
    texts: list[Text]
    marks: list[tuple]
    line_colours: int  # distinct stroke colours of line marks
    fill_colours: int  # distinct fill colours of bars, points, arcs and areas


def layout_of(found: dict[str, Any]) -> Layout:
    """A Layout from what MEASURE returned."""
    return Layout(
        found["width"],
        found["height"],
        [
            Text(t["text"], tuple(t["box"]), t["fill"], t["role"])
            for t in found["texts"]
            if t["opacity"] > 0
        ],
        [tuple(m) for m in found["marks"]],
        len(found["lines"]),
        len(found["fills"]),
    )


def measure(page: Any, svg: str) -> tuple[float, float, list[Text], list[tuple]]:
    """Width, height, the texts and the rectangle marks of SVG, laid out by PAGE
    (a Playwright page)."""
    layout = measure_layout(page, svg)
    return layout.width, layout.height, layout.texts, layout.marks


def measure_layout(page: Any, svg: str) -> Layout:
    """The Layout of an SVG file's text, laid out by PAGE (a Playwright page)."""
    page.set_content("<html><body style='margin:0;padding:0'></body></html>")
    page.evaluate("(svg) => { document.body.innerHTML = svg; }", svg)
    return layout_of(page.locator("svg").first.evaluate(MEASURE))


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
    return layout_problems(measure_layout(page, svg), spec)


def layout_problems(layout: Layout, spec: dict[str, Any] | None = None) -> list[str]:
    """The rules, on a measured SVG: every text inside the chart, none cut with
    "…", white figures on their marks, no text on another, axis labels off the
    marks, and a legend (or figures on the marks) for several colour series."""
    found = []
    width, height, texts, marks = layout.width, layout.height, layout.texts, layout.marks
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
        if t.role == "axis-label" and any(_overlap(t.box, m) for m in marks):
            found.append(f"axis label on the marks: {where}")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _overlap(a.box, b.box):
                found.append(f"texts overlap: {a.text!r} ({a.role}) and {b.text!r} ({b.role})")
    legend = [t for t in texts if t.role == "legend-label"]
    if spec is not None:
        series = _colour_series(spec)
        if series > 1 and len(legend) < series:
            found.append(f"{series} colour series but {len(legend)} legend labels")
    if layout.line_colours > 1 and not legend:
        found.append(f"{layout.line_colours} line colours and no legend")
    figures = any(t.role == "mark" for t in texts)
    if layout.fill_colours > 1 and not legend and not figures:
        found.append(f"{layout.fill_colours} colours and neither a legend nor figures")
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
