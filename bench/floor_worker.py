"""Time the floor script for one page: median of reruns with frames in memory
(wall time and the process's CPU time)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bench import apptest_server  # noqa: E402


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1])
    apptest_server.like_a_server()
    at = AppTest.from_file(str(ROOT / "bench" / "floor_app.py"), default_timeout=120)
    at.run()  # loads the frames once, not timed
    assert not at.exception, at.exception
    times, cpu_times = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        at.run()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    print(
        json.dumps({"floor": statistics.median(times), "floor_cpu": statistics.median(cpu_times)})
    )


if __name__ == "__main__":
    main()
