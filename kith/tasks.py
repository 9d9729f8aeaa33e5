"""Background tasks shared by every app (Django's Tasks framework, via django-tasks).

Task arguments are stored as JSON in the queue, so they are plain values
(ids, strings), never model instances. Each task is safe to run twice.
"""

from __future__ import annotations

import logging

from django.core import mail
from django.core.management import call_command
from django_tasks import task

logger = logging.getLogger("kith.tasks")


@task()
def send_email(
    subject: str,
    body: str,
    to: list[str],
    *,
    from_email: str | None = None,
    html_body: str = "",
    reply_to: list[str] | None = None,
) -> int:
    """Send one email (plain text, optionally with an HTML alternative)."""
    message = mail.EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, reply_to=reply_to or None
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message.send()


def queue_email(subject: str, body: str, to: list[str], **kwargs) -> None:
    """Queue an email to be sent by the worker, so the page does not wait for SMTP."""
    send_email.enqueue(subject, body, list(to), **kwargs)


@task()
def run_command(name: str, *args: str) -> str:
    """Run a management command (e.g. ``process_pool_deadlines``) in the worker."""
    from io import StringIO

    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()[-2000:]


@task()
def forget_expired_rate_limits() -> int:
    """Delete API rate-limit counts that no longer count (``kith.throttling``), and the
    shared cache's expired entries, among them the sign-in and contact-form limits'
    counts by address (``kith.cache.delete_expired``). How many rows went."""
    import time

    from kith.cache import delete_expired
    from kith.throttling import forget_expired

    return forget_expired(time.time()) + delete_expired()
