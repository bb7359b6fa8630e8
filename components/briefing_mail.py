"""The briefing as an e-mail: German subject, the key figures and their change
in a plain-text and an HTML part (useful without opening the attachment), the
Lagebild PDF attached and, when chosen, the deck PDF. No personal data of
members: the same aggregate figures as the Lagebild.

No Streamlit here: a Briefing and a Job in, an EmailMessage out.
"""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from components import fmt
from components.briefing_pdf import TITLE, points_change
from db.briefing_figures import Briefing
from db.subscriptions import Job

SIGNATURE = (
    "Diese E-Mail hat das Dashboard der Hessischen Integrationskonferenz automatisch "
    "versandt (Abonnement „{name}“). Abbestellen: bitte an die Geschäftsstelle wenden."
)


def subject(job: Job, briefing: Briefing) -> str:
    stand = f"Stand {fmt.date(briefing.today)}"
    text = f"{TITLE}, {stand}"
    if job.meeting_title and job.meeting_starts_at:
        text = f"{TITLE} vor „{job.meeting_title}“ am {fmt.date(job.meeting_starts_at)} ({stand})"
    return f"[Test] {text}" if job.is_test else text


def figure_rows(briefing: Briefing) -> list[tuple[str, str, str]]:
    """(label, value now, change since the last plenary sitting) of every key figure."""
    return [
        (
            f.label,
            fmt.key_figure(f.value, f.total, f.kind),
            fmt.key_figure_change(f.value, f.previous, f.kind) or "–",
        )
        for f in briefing.figures
    ]


def area_rows(briefing: Briefing) -> list[tuple[str, str, str]]:
    """(area, mean progress now, change in percentage points) of every thematic area."""
    rows = []
    for area in briefing.areas:
        now = area.now.mean
        then = area.then.mean if area.then else None
        shown = "–" if now is None else fmt.percent(now / 100, 1)
        rows.append((area.name, shown, points_change(now, then, scale=1)))
    return rows


def _since(briefing: Briefing) -> str:
    if briefing.last_plenary_day is None:
        return "Noch keine Plenarsitzung: Veränderungen werden nicht ausgewiesen."
    return (
        "Veränderung: seit der letzten Plenarsitzung am "
        f"{fmt.date(briefing.last_plenary_day)} („{briefing.last_plenary_title}“)."
    )


def _attachments(job: Job) -> str:
    names = ["das Lagebild (PDF)"] + (["die Präsentation (PDF)"] if job.include_deck else [])
    return " und ".join(names)


def plain_text(job: Job, briefing: Briefing) -> str:
    lines = [
        "Guten Tag,",
        "",
        f"hier der Stand der Hessischen Integrationskonferenz vom {fmt.date(briefing.today)}.",
        _since(briefing),
        "",
        "Kennzahlen",
    ]
    lines += [
        f"- {label}: {value} (Veränderung {change})"
        for label, value, change in figure_rows(briefing)
    ]
    lines += ["", "Fortschritt je Themenbereich"]
    lines += [
        f"- {name}: {value} (Veränderung {change})" for name, value, change in area_rows(briefing)
    ]
    lines += ["", f"Im Anhang: {_attachments(job)}.", "", "-- ", SIGNATURE.format(name=job.name)]
    return "\n".join(lines) + "\n"


def _html_table(head: tuple[str, str, str], rows: list[tuple[str, str, str]]) -> str:
    cell = 'style="padding:4px 10px;border-bottom:1px solid #ccd;text-align:{}"'
    header = "".join(
        f"<th {cell.format('left' if i == 0 else 'right')}>{html.escape(h)}</th>"
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td {cell.format('left' if i == 0 else 'right')}>{html.escape(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table style="border-collapse:collapse"><tr>{header}</tr>{body}</table>'


def html_text(job: Job, briefing: Briefing) -> str:
    e = html.escape
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{e(subject(job, briefing))}</title></head>"
        '<body style="font-family:DejaVu Sans,Arial,sans-serif;font-size:14px;color:#222">'
        "<p>Guten Tag,</p>"
        f"<p>hier der Stand der Hessischen Integrationskonferenz vom "
        f"{e(fmt.date(briefing.today))}.<br>{e(_since(briefing))}</p>"
        "<h2 style='font-size:16px'>Kennzahlen</h2>"
        + _html_table(("Kennzahl", "Aktuell", "Veränderung"), figure_rows(briefing))
        + "<h2 style='font-size:16px'>Fortschritt je Themenbereich</h2>"
        + _html_table(("Themenbereich", "Fortschritt", "Veränderung"), area_rows(briefing))
        + f"<p>Im Anhang: {e(_attachments(job))}.</p>"
        f'<p style="color:#666;font-size:12px">{e(SIGNATURE.format(name=job.name))}</p>'
        "</body></html>"
    )


def message(
    job: Job, briefing: Briefing, lagebild: bytes, deck: bytes | None, now: dt.datetime
) -> EmailMessage:
    """The e-mail of JOB: one text/plain and one text/html part, then the PDFs."""
    msg = EmailMessage()
    msg["Subject"] = subject(job, briefing)
    msg["To"] = ", ".join(job.recipients)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain="integrationskonferenz.dashboard")
    # quoted-printable: readable in any client, and no server needs 8BITMIME
    msg.set_content(plain_text(job, briefing), charset="utf-8", cte="quoted-printable")
    msg.add_alternative(
        html_text(job, briefing), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    stamp = briefing.today.isoformat()
    msg.add_attachment(lagebild, "application", "pdf", filename=f"lagebild-{stamp}.pdf")
    if deck is not None:
        msg.add_attachment(deck, "application", "pdf", filename=f"praesentation-{stamp}.pdf")
    return msg
