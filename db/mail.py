"""Sending a message by SMTP (standard library only): STARTTLS and login as
configured in db.config.smtp_settings. Failures come back as MailError with a
short German reason for the admin page; never with the password."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage

from db.config import SmtpSettings
from db.errors import DomainError

TIMEOUT_SECONDS = 30


class MailError(DomainError):
    """The SMTP server could not be reached or refused the message."""


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"Anmeldung am SMTP-Server abgelehnt ({exc.smtp_code})."
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"Der SMTP-Server hat {len(exc.recipients)} Empfänger abgelehnt."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "Der SMTP-Server bietet kein STARTTLS an (SMTP_STARTTLS)."
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if exc.smtp_error else ""
        return f"Der SMTP-Server hat abgelehnt: {exc.smtp_code} {text}".strip()
    if isinstance(exc, ssl.SSLError):
        return f"TLS mit dem SMTP-Server fehlgeschlagen ({exc.reason or type(exc).__name__})."
    if isinstance(exc, TimeoutError):
        return "Der SMTP-Server antwortet nicht (Zeitüberschreitung)."
    if isinstance(exc, socket.gaierror):
        return "Der Name des SMTP-Servers ist unbekannt (SMTP_HOST)."
    if isinstance(exc, ConnectionRefusedError):
        return "Der SMTP-Server ist nicht erreichbar (Verbindung abgelehnt)."
    if isinstance(exc, OSError):
        return f"Der SMTP-Server ist nicht erreichbar (Fehler {exc.errno or type(exc).__name__})."
    return f"Senden fehlgeschlagen ({type(exc).__name__})."


def send(message: EmailMessage, settings: SmtpSettings) -> None:
    """Hand MESSAGE (with its To and Bcc) to the configured SMTP server."""
    message["From"] = settings.sender
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                try:
                    smtp.login(settings.user, settings.password or "")
                except UnicodeEncodeError as exc:  # smtplib sends the login as ASCII
                    raise MailError(
                        "SMTP_USER oder SMTP_PASSWORD enthält Zeichen außerhalb von ASCII "
                        "(etwa Umlaute); die Anmeldung am SMTP-Server kann sie nicht senden."
                    ) from exc
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(_reason(exc)) from exc
