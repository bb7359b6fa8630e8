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

The same thread answers CONTROL_FILE.state (its content: an output path) with
the memory the open sessions keep (`session_memory`): the deep size of each
session's st.session_state and of the download callables Streamlit keeps for
it, written as JSON to that path; then it removes CONTROL_FILE.state. Ask while
no script runs (the sessions' dicts are read from this thread).
"""

from __future__ import annotations

import collections
import functools
import json
import os
import sys
import threading
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_THREAD = "ScriptRunner.scriptThread"
INTERVAL = 0.005


class CpuSampler(threading.Thread):
    def __init__(self, control: Path) -> None:
        super().__init__(name="bench-cpu-sampler", daemon=True)
        self.control = control

    def run(self) -> None:
        state_request = self.control.with_name(self.control.name + ".state")
        while True:
            time.sleep(0.2)
            if state_request.exists():
                self.answer_state(state_request)
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
    def answer_state(request: Path) -> None:
        try:
            out = Path(request.read_text().strip())
            for attempt in range(5):  # a dict changing size under us: try again
                try:
                    report = session_memory()
                    break
                except RuntimeError:
                    if attempt == 4:
                        raise
                    time.sleep(0.1)
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps(report))
            tmp.replace(out)
        except Exception as exc:  # never take the server down
            print(f"bench-cpu-sampler: state: {exc!r}", file=sys.stderr, flush=True)
        finally:
            request.unlink(missing_ok=True)

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


# -- memory kept per session ---------------------------------------------------------
def _opaque(obj: object) -> bool:
    """Not followed: code, modules, classes, threads and locks, and Streamlit's
    runtime objects other than session state (they are the process's, not a session's)."""
    if isinstance(obj, (type, types.ModuleType, types.CodeType, types.FrameType)):
        return True
    module = type(obj).__module__ or ""
    if module.startswith("streamlit.") and not module.startswith(
        ("streamlit.runtime.state", "streamlit.elements")
    ):
        return True
    return module.split(".")[0] in ("_thread", "threading", "asyncio", "sqlalchemy")


def deep_size(obj: object, seen: set[int]) -> int:
    """Bytes reachable from OBJ that are not in SEEN (which this extends).

    DataFrames, Series and arrays count their data (pandas' deep memory usage,
    numpy's nbytes); functions their closure cells and defaults, not their
    globals; protobuf messages their serialised size."""
    import numpy as np
    import pandas as pd
    from google.protobuf.message import Message

    total, stack = 0, [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, Message):
            total += o.ByteSize()
            continue
        if _opaque(o):
            continue
        if isinstance(o, (pd.DataFrame, pd.Series, pd.Index)):
            usage = o.memory_usage(deep=True)
            total += int(usage.sum() if hasattr(usage, "sum") else usage)
            continue
        if isinstance(o, np.ndarray):
            total += o.nbytes
            continue
        total += sys.getsizeof(o, 0)
        if isinstance(o, (str, bytes, bytearray, int, float, complex, bool)) or o is None:
            continue
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset, collections.deque)):
            stack.extend(o)
        elif isinstance(o, types.FunctionType):
            stack.extend(c.cell_contents for c in (o.__closure__ or ()) if _filled(c))
            stack.extend(o.__defaults__ or ())
            stack.extend((o.__kwdefaults__ or {}).values())
        elif isinstance(o, (types.MethodType, types.BuiltinFunctionType)):
            continue  # bound to an object of the process (a session's runner, a module)
        elif isinstance(o, functools.partial):
            stack.extend((o.func, *o.args, *o.keywords.values()))
        else:
            if hasattr(o, "__dict__"):
                stack.append(vars(o))
            for cls in type(o).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if isinstance(slot, str) and hasattr(o, slot):
                        stack.append(getattr(o, slot))
    return total


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def session_memory() -> dict:
    """What the connected sessions keep: per session the deep size of its
    st.session_state (SessionState: values of keys and widgets, widget metadata)
    and of the download callables Streamlit holds for it (each with what its
    closure holds), counted per session on its own ('each') and once for all
    sessions together ('all', objects shared between sessions counted once); and
    how many closed sessions Streamlit keeps for a reconnect, with the deep size of
    their session_state together."""
    from streamlit.runtime import Runtime

    runtime = Runtime.instance()
    manager = runtime._session_mgr
    active = manager.list_active_sessions()
    ids = {info.session.id for info in active}
    stored = [i.session for i in manager.list_sessions() if i.session.id not in ids]
    stored_seen: set[int] = set()
    stored_state = sum(deep_size(session.session_state, stored_seen) for session in stored)
    media = runtime.media_file_mgr
    with media._lock:
        deferred: dict[str, list] = collections.defaultdict(list)
        for entry in list(media._deferred_callables.values()):
            deferred[entry["session_id"]].append(entry["callable"])
    state_all: set[int] = set()
    download_all: set[int] = set()
    sessions, keys = [], collections.Counter()
    union_state = union_download = 0
    for info in active:
        session = info.session
        state = session.session_state
        names = state._key_id_mapper.id_key_mapping
        per_key = {}
        for name in list(state._old_state) + list(state._new_session_state):
            value = state._new_session_state.get(name, state._old_state.get(name))
            per_key[names.get(name, name)] = deep_size(value, set())
        for name, size in per_key.items():
            label = "(widget without key)" if name.startswith("$$") else name
            keys[label] = max(keys[label], size)
        callables = deferred.get(session.id, [])
        sessions.append(
            {
                "state": deep_size(state, set()),
                "keys": len(per_key),
                "downloads": len(callables),
                "download_bytes": deep_size(callables, set()),
            }
        )
        union_state += deep_size(state, state_all)
        union_download += deep_size(callables, download_all)
    return {
        "active": len(active),
        "stored": len(stored),  # disconnected, kept for a reconnect
        "stored_state": stored_state,
        "sessions": sessions,
        "state_all": union_state,
        "download_all": union_download,
        "largest_keys": keys.most_common(8),
    }


def main() -> None:
    control = Path(sys.argv[1])
    CpuSampler(control).start()
    sys.path.insert(0, str(ROOT))
    sys.argv = ["streamlit", *sys.argv[2:]]
    from streamlit.web.cli import main as streamlit_main

    streamlit_main()


if __name__ == "__main__":
    main()
