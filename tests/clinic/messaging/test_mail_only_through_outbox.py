"""Every email goes through the outbox (messaging.services.queue_email and the planners): only the
worker's email backend may talk to Django's mail API or SMTP. A request that sends mail inline
fails (500) or shows by its timing whom it wrote to when the mail server is down or slow."""

from __future__ import annotations

import ast
from pathlib import Path

import needlepoint

SRC = Path(needlepoint.__file__).parent
ALLOWED = {SRC / "clinic" / "messaging" / "backends" / "email.py"}
MAIL_MODULES = ("django.core.mail", "smtplib")
MAIL_CALLS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage"}


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(MAIL_MODULES):
            found.append(f"{path.relative_to(SRC)}:{node.lineno} from {node.module} import …")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.relative_to(SRC)}:{node.lineno} import {a.name}"
                for a in node.names
                if a.name.startswith(MAIL_MODULES)
            ]
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in MAIL_CALLS:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {name}(…)")
    return found


def test_no_mail_is_sent_outside_the_outbox_worker() -> None:
    offences = [o for p in sorted(SRC.rglob("*.py")) if p not in ALLOWED for o in _offences(p)]
    assert offences == [], "send email with messaging.services.queue_email instead:\n" + "\n".join(offences)
