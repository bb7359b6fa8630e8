"""Reading a CPU profile that bench/load_server.py's sampler wrote during
`make load`: where the script threads' CPU went (post-run work, page script,
app.py, Streamlit's runner), the project's own functions, the library calls
they make and the leaf frames by package, each as a share."""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GC_FRAME = "ScriptRunner._on_script_finished"
POST_RUN = "post-run (_on_script_finished)"
WRAPPERS = {"wrapped_func", "wrapper", "_wrapper", "CachedFunc.__call__", "_make_value_key"}
NOT_CALLS = {"Page.run"}  # app.py's page.run(): the page itself

Frame = tuple[str, str, int]  # function (Class.function), file, line


def summarize_profile(path: Path, top: int = 6) -> dict:
    """Shares of the script threads' CPU.

    Parts: what ScriptRunner._on_script_finished does after each run (with
    runner.postScriptGC on, mostly Streamlit's full garbage collection
    `gc.collect(2)`; the collector is C code, so its samples land in the weakref
    callbacks it runs there), the page script, the frame app.py around it, and
    Streamlit's runner.
    Then the top own functions (inclusive), library calls made from own code
    (inclusive) and leaf frames by package (without the post-run part).
    """
    from pyinstrument.session import Session

    tally = Tally()
    for stack, seconds in Session.load(path).frame_records:
        tally.add(stack, seconds)
    return tally.summary(top)


@dataclasses.dataclass
class Tally:
    """CPU seconds of a profile's samples, by thread and by where they were spent."""

    script: float = 0.0
    main: float = 0.0
    other: float = 0.0
    parts: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    own: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    calls: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    packages: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def add(self, stack: list[str], seconds: float) -> None:
        root = stack[0].split("\x00")[0]
        if root == "MainThread":
            self.main += seconds
            return
        if not root.startswith("ScriptRunner"):
            self.other += seconds
            return
        self.script += seconds
        frames = [parse_frame(f) for f in stack[1:]]
        part = script_part(frames)
        self.parts[part] += seconds
        if part == POST_RUN:
            return
        self.add_own_and_calls(frames, seconds)
        if frames:
            self.packages[package(frames[-1][1])] += seconds

    def add_own_and_calls(self, frames: list[Frame], seconds: float) -> None:
        """Each own function on the stack once, and each library call made from own
        code (through Streamlit's wrappers to the command itself) once."""
        seen: set = set()
        for k, (func, file, _line) in enumerate(frames):
            own = is_own(file)
            name = f"{short(file)}:{func}"
            if own and func != "<module>" and name not in seen:
                self.own[name] += seconds
                seen.add(name)
            if not own and k and is_own(frames[k - 1][1]) and func not in NOT_CALLS:
                j = k
                while frames[j][0] in WRAPPERS and j + 1 < len(frames):
                    j += 1
                name = f"{short(frames[j][1])}:{frames[j][0]}"
                if ("call", name) not in seen:
                    self.calls[name] += seconds
                    seen.add(("call", name))

    def summary(self, top: int) -> dict:
        def shares(counter: collections.Counter, n: int = top) -> list[tuple[str, float]]:
            return [(k, v / self.script) for k, v in counter.most_common(n)] if self.script else []

        total = self.script + self.main + self.other
        return {
            "script_cpu": self.script,
            "main_share": self.main / total if total else 0.0,
            "parts": shares(self.parts, 4),
            "own": shares(self.own),
            "calls": shares(self.calls),
            "packages": shares(self.packages, 5),
        }


def script_part(frames: list[Frame]) -> str:
    if any(func == GC_FRAME for func, _, _ in frames):
        return POST_RUN
    if any(func == "<module>" and "/pages/" in file for func, file, _ in frames):
        return "page script"
    if any(func == "<module>" and file.endswith("/app.py") for func, file, _ in frames):
        return "app.py frame"
    return "Streamlit runner"


def parse_frame(identifier: str) -> Frame:
    base, *attrs = identifier.split("\x01")
    func, file, line = [*base.split("\x00"), "", "", "0"][:3]
    cls = next((a[1:] for a in attrs if a.startswith("c")), "")
    return (f"{cls}.{func}" if cls else func), file, int(line or 0)


def is_own(file: str) -> bool:
    return file.startswith(str(ROOT)) and "site-packages" not in file


def short(file: str) -> str:
    if is_own(file):
        return str(Path(file).relative_to(ROOT))
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1]
    return Path(file).name


def package(file: str) -> str:
    if is_own(file):
        return "own code (" + short(file).split("/")[0] + ")"
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if file.startswith("<"):
        return "built-in"
    return "stdlib"
