"""A real SMTP server on loopback (aiosmtpd) for the briefing tests: plain, or
with STARTTLS (tests.deploy.stack.self_signed, valid for 127.0.0.1) and a required login."""

from __future__ import annotations

import email
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

HOST = "127.0.0.1"
USER, PASSWORD = "briefings", "smtp-geheim-2026"


@dataclass
class Inbox:
    """The aiosmtpd handler: keeps every envelope it accepted, and every login."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=default) for e in self.envelopes
        ]


@dataclass
class SmtpServer:
    """One aiosmtpd on PORT; stop() and start() again on the same port."""

    port: int
    inbox: Inbox
    tls_files: tuple[Path, Path] | None = None  # from self_signed
    controller: Controller | None = None

    def start(self) -> SmtpServer:
        options = {}
        if self.tls_files:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls_files)
            options = {
                "tls_context": context,
                "require_starttls": True,
                "authenticator": self.inbox.authenticate,
                "auth_require_tls": True,
                "auth_required": True,
            }
        self.controller = Controller(self.inbox, hostname=HOST, port=self.port, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def env(self) -> dict[str, str]:
        """The settings of the app (and of a CLI process) for this server."""
        values = {
            "SMTP_HOST": HOST,
            "SMTP_PORT": str(self.port),
            "SMTP_FROM": "Lagebild <lagebild@integrationskonferenz.example>",
            "SMTP_STARTTLS": "true" if self.tls_files else "false",
        }
        if self.tls_files:
            values |= {"SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD}
            values["SSL_CERT_FILE"] = str(self.tls_files[0])
        return values
