"""Time the floor script for one page: median of reruns with frames in memory."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1])
    at = AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=120)
    at.run()  # loads the frames once, not timed
    assert not at.exception, at.exception
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"floor": statistics.median(times)}))


if __name__ == "__main__":
    main()
