"""Command line for operators: `python -m db.cli --help`.

Errors are one clear line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys

import typer
from sqlalchemy.exc import DBAPIError

from db import accounts, demo, sessions
from db import backup as backups
from db.config import ConfigError, database_url, is_embedded
from db.engine import make_engine, session_scope
from db.errors import DomainError
from db.migrate import upgrade
from db.vocabulary import ROLE_LABELS

cli = typer.Typer(
    help="Verwaltung des Dashboards der Hessischen Integrationskonferenz.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _engine():
    return make_engine(database_url())


@cli.command()
def migrate() -> None:
    """Datenbank auf den neuesten Stand der Migrationen bringen."""
    upgrade(_engine())
    typer.echo("Datenbank ist auf dem neuesten Stand.")


@cli.command("demo")
def load_demo(
    scale: int = typer.Option(
        1, min=1, max=1000, help="Vielfaches der Demo-Daten (100 = ca. 8.000 Mitglieder)."
    ),
    force: bool = typer.Option(False, help="Auch laden, wenn schon Daten vorhanden sind."),
) -> None:
    """Demo-Daten laden (nur in eine leere Datenbank, außer mit --force)."""
    engine = _engine()
    upgrade(engine)
    with session_scope(engine) as session:
        if not demo.is_empty(session) and not force:
            typer.echo("Die Datenbank enthält schon Daten; nichts geladen (--force lädt trotzdem).")
            return
        counts = demo.load_demo(session, today=dt.date.today(), scale=scale)
    typer.echo(
        f"Demo-Daten geladen: {counts.members} Mitglieder, {counts.meetings} Termine, "
        f"{counts.measures} Maßnahmen, {counts.attendance} Anwesenheiten, "
        f"{counts.updates} Fortschrittsmeldungen."
    )


@cli.command()
def setup() -> None:
    """Migrieren; im Demo-Betrieb eine leere Datenbank mit Demo-Daten und -Konten füllen."""
    url = database_url()
    engine = _engine()
    upgrade(engine)
    if not is_embedded(url):
        typer.echo("Gemeinsame Datenbank migriert; Demo-Daten werden dort nicht geladen.")
        return
    with session_scope(engine) as session:
        loaded = demo.is_empty(session)
        if loaded:
            demo.load_demo(session, today=dt.date.today())
        for username, name, role, password in demo.DEMO_USERS:
            if accounts.get_user(session, username) is None:
                accounts.create_user(session, username, name, role, password)
    typer.echo("Demo-Daten geladen." if loaded else "Vorhandene Daten bleiben erhalten.")
    typer.echo("Demo-Konten (Benutzername / Passwort):")
    for username, _, role, password in demo.DEMO_USERS:
        typer.echo(f"  {username:<17} {password:<28} ({ROLE_LABELS[role]})")


def _read_password(password: str | None) -> str:
    if password:
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passwort: ")
    if first != getpass.getpass("Passwort wiederholen: "):
        raise DomainError("Die Passwörter stimmen nicht überein.")
    return first


@cli.command("create-user")
def create_user(
    username: str,
    role: str = typer.Option("viewer", help="viewer, editor oder admin."),
    name: str = typer.Option("", help="Anzeigename."),
    password: str | None = typer.Option(None, help="Sonst abgefragt (oder von stdin gelesen)."),
) -> None:
    """Ein Konto anlegen."""
    secret = _read_password(password)
    with session_scope(_engine()) as session:
        accounts.create_user(session, username, name, role, secret)
    typer.echo(f"Konto „{username.strip().lower()}“ angelegt ({role}).")


@cli.command("reset-password")
def reset_password(
    username: str,
    password: str | None = typer.Option(None, help="Sonst abgefragt (oder von stdin gelesen)."),
) -> None:
    """Passwort eines Kontos neu setzen; alle Anmeldungen des Kontos enden."""
    secret = _read_password(password)
    with session_scope(_engine()) as session:
        user = accounts.set_password(session, username, secret)
        ended = sessions.end_all(session, user.id, "password_reset", dt.datetime.now(dt.UTC))
    typer.echo(f"Passwort für „{username}“ neu gesetzt; {ended} Anmeldung(en) beendet.")


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _table_done(table: str, rows: int) -> None:
    typer.echo(f"  {table:<28} {_number(rows):>10} Zeilen")


@cli.command("backup")
def backup_database(
    datei: str = typer.Argument(..., help="Zieldatei, z. B. sicherung.json.gz."),
    force: bool = typer.Option(False, help="Eine vorhandene Datei überschreiben."),
) -> None:
    """Alle Tabellen als einen Stand in eine Datei sichern (gzip-komprimiertes JSON)."""
    summary = backups.backup(_engine(), datei, overwrite=force, progress=_table_done)
    typer.echo(
        f"Sicherung geschrieben: {summary.path} ({_number(summary.rows)} Zeilen, "
        f"Migrationsstand {summary.revision})."
    )
    typer.echo("Die Datei enthält die Passwort-Hashes der Konten: bitte geschützt aufbewahren.")


@cli.command("restore")
def restore_database(
    datei: str = typer.Argument(..., help="Sicherungsdatei (von „backup“)."),
) -> None:
    """Eine Sicherung in eine leere Datenbank einspielen (alles oder nichts)."""
    header = backups.read_header(datei)
    created = backups.created_at(header)
    typer.echo(
        f"Spiele die Sicherung vom {created:%d.%m.%Y, %H:%M} Uhr ein "
        f"(Migrationsstand {header['alembic_revision']}) …"
    )
    summary = backups.restore(_engine(), datei, progress=_table_done)
    typer.echo(
        f"Sicherung eingespielt: {_number(summary.rows)} Zeilen, Datenstand {summary.data_version}."
    )


@cli.command("anonymise-expired")
def anonymise_expired() -> None:
    """Ehemalige Mitglieder anonymisieren, deren Ende länger als RETENTION_MONTHS her ist (täglich)."""
    from db import logs, privacy, services
    from db.permissions import SYSTEM

    logs.configure()
    months, today = privacy.retention_months(), dt.date.today()
    with session_scope(_engine(), SYSTEM) as session:
        due = not privacy.expired_members(session, today, months).empty
        ids = services.anonymise_expired(session, SYSTEM, today, months) if due else []
    for member_id in ids:
        logs.event("member_anonymised", user=SYSTEM.username, member_id=member_id)
    typer.echo(f"Anonymisiert: {len(ids)} ehemalige Mitglieder (Frist {months} Monate).")


@cli.command("send-due-briefings")
def send_due_briefings(
    at: str | None = typer.Option(
        None, "--at", hidden=True, help="Zeitpunkt (ISO 8601 mit Zeitzone) statt jetzt."
    ),
) -> None:
    """Fällige E-Mail-Briefings der Abonnements versenden (alle 5 Minuten per Timer)."""
    from components import briefing_sender
    from db import logs
    from db.config import smtp_settings

    logs.configure()
    settings = smtp_settings()
    if settings is None:
        typer.echo("SMTP ist nicht eingerichtet (SMTP_HOST fehlt); es wird nichts gesendet.")
        return
    now = dt.datetime.fromisoformat(at) if at else dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise DomainError("--at braucht eine Zeitzone, z. B. 2026-02-02T07:00+01:00.")
    run = briefing_sender.send_due(_engine(), now, settings)
    typer.echo(f"Briefings: {run.sent} gesendet, {len(run.errors)} fehlgeschlagen.")
    if run.errors:
        reasons = "; ".join(dict.fromkeys(run.errors))
        raise DomainError(
            f"{len(run.errors)} Briefing(s) nicht gesendet, neuer Versuch folgt: {reasons}"
        )


def main() -> None:
    try:
        cli()
    except (DomainError, ConfigError) as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        sys.exit(1)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        typer.echo(f"Fehler: Datenbank nicht erreichbar oder nicht bereit ({reason}).", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
