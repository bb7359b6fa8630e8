"""How fast the projectors follow the presenter (issue 18): runs the browser test
tests/deploy/test_beamer_replicas.py (presenter on one replica, two projectors on
the other, behind nginx; 20 steps by button, arrow key and clicker key, each after
a pause of up to one poll interval) and writes the delays to bench/beamer.md.

    python bench/beamer_follow.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.0


def main() -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "steps.json"
        env = {**os.environ, "BEAMER_STEPS_REPORT": str(report)}
        test = "tests/deploy/test_beamer_replicas.py::test_projectors_on_one_replica_follow_the_presenter_on_the_other"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "0", test], cwd=ROOT, env=env, check=True
        )
        delays = json.loads(report.read_text())["delays"]
    rows = []
    for name, own in (
        ("Beamer 1 (1920x1080)", delays[0::2]),
        ("Beamer 2 (1280x720)", delays[1::2]),
    ):
        ordered = sorted(own)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        median = statistics.median(own)
        rows.append(
            f"| {name} | {len(own)} | {median:.2f} s | {p90:.2f} s | {max(own):.2f} s | "
            f"{'erfüllt' if median <= TARGET_S else 'verfehlt'} |"
        )
    text = "\n".join(
        [
            "# Beamer: wie schnell die Projektoren der Steuerung folgen",
            "",
            "`python bench/beamer_follow.py` (auch in `make bench`): die vortragende Person auf",
            "Replikat A, zwei Beamer-Links auf Replikat B, nginx davor, PostgreSQL. 20 Schritte",
            "(Weiter/Zurück per Schaltfläche, Pfeiltaste und PageDown/PageUp), vor jedem eine",
            "Pause von 0 bis 1 s (ein Vortrag klickt nicht im Takt der Abfrage). Gemessen vom",
            "Klick bis zur neuen Folienüberschrift auf dem Beamer. Der Beamer fragt einmal je",
            "Sekunde nach (eine kleine Abfrage); das Bild der Folie lädt er nur, wenn sie wechselt.",
            "",
            f"Lastmittel vor dem Lauf: {load:.2f}".replace(".", ","),
            "",
            "| Beamer | Schritte | Median | 90 % | längster | Ziel: Median ≤ 1 s |",
            "|---|---|---|---|---|---|",
            *(r.replace(".", ",") for r in rows),
            "",
        ]
    )
    (ROOT / "bench" / "beamer.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
