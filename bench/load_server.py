"""`streamlit run` with an idle CPU sampler that bench/load.py can switch on.

    python bench/load_server.py CONTROL_FILE run app.py --server.port ...

Everything after CONTROL_FILE goes to Streamlit's own command line, so the
server is the one `streamlit run` starts. A daemon thread polls CONTROL_FILE
every 0.2 s (nothing else while it is absent). While it exists, it samples
every thread of the process about every 5 ms: each thread's CPU time since the
last sample (its POSIX thread CPU clock) is charged to the thread's current
Python stack. Under the GIL a thread waiting for its turn burns no CPU, so the
profile shows where CPU goes even with 25 sessions running at once, which a
wall-clock profiler of each script thread would blur with GIL waits. When
CONTROL_FILE is removed, the samples are written as a pyinstrument session
(`pyinstrument --load FILE` renders it) to the path CONTROL_FILE contained.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_THREAD = "ScriptRunner.scriptThread"
INTERVAL = 0.005


class CpuSampler(threading.Thread):
    def __init__(self, control: Path) -> None:
        super().__init__(name="bench-cpu-sampler", daemon=True)
        self.control = control

    def run(self) -> None:
        while True:
            time.sleep(0.2)
            if not self.control.exists():
                continue
            try:
                out = Path(self.control.read_text().strip())
            except OSError:
                continue
            try:
                self.sample_until_removed(out)
            except Exception as exc:  # never take the server down
                print(f"bench-cpu-sampler: {exc!r}", file=sys.stderr, flush=True)

    def sample_until_removed(self, out: Path) -> None:
        from pyinstrument.low_level.stat_profile import get_frame_info
        from pyinstrument.session import Session

        me = threading.get_ident()
        clocks: dict[tuple[int, int | None], int] = {}
        last: dict[tuple[int, int | None], float] = {}
        for t in threading.enumerate():
            key = (t.ident, t.native_id)
            cpu = self._cpu(key, clocks)
            if cpu is not None:
                last[key] = cpu  # threads that run already: count from now on
        records: list[tuple[list[str], float]] = []
        start, start_cpu = time.time(), time.process_time()
        samples = 0
        while self.control.exists():
            time.sleep(INTERVAL)
            threads = {t.ident: t for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                thread = threads.get(ident)
                if ident == me or thread is None:
                    continue
                # keyed with the kernel's thread id: a pthread id is reused
                key = (ident, thread.native_id)
                cpu = self._cpu(key, clocks)
                if cpu is None:
                    continue
                delta = cpu - last.get(key, 0.0)  # a new thread: all of its CPU
                last[key] = cpu
                if delta <= 0:
                    continue
                stack = []
                f = frame
                while f is not None:
                    stack.append(get_frame_info(f))
                    f = f.f_back
                name = thread.name
                # one root for all script threads, one for the event loop, one per other
                root = f"{name}\x00<thread>\x000"
                stack.append(root)
                stack.reverse()
                records.append((stack, delta))
                samples += 1
        session = Session(
            frame_records=records,
            start_time=start,
            duration=time.time() - start,
            min_interval=INTERVAL,
            max_interval=INTERVAL,
            sample_count=samples,
            start_call_stack=[],
            target_description=f"CPU samples of pid {os.getpid()}",
            cpu_time=time.process_time() - start_cpu,
            sys_path=sys.path,
            sys_prefixes=Session.current_sys_prefixes(),
        )
        tmp = out.with_suffix(".tmp")
        session.save(tmp)
        tmp.replace(out)

    @staticmethod
    def _cpu(key: tuple[int, int | None], clocks: dict) -> float | None:
        try:
            clock = clocks.get(key)
            if clock is None:
                clock = clocks[key] = time.pthread_getcpuclockid(key[0])
            return time.clock_gettime(clock)
        except (OSError, OverflowError, TypeError):
            clocks.pop(key, None)
            return None


def main() -> None:
    control = Path(sys.argv[1])
    CpuSampler(control).start()
    sys.path.insert(0, str(ROOT))
    sys.argv = ["streamlit", *sys.argv[2:]]
    from streamlit.web.cli import main as streamlit_main

    streamlit_main()


if __name__ == "__main__":
    main()
