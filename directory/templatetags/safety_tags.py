"""Checks and suspensions as people read them: "CQC registered, checked 3 March 2026"."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from directory.safety.records import (
    best_insurance,
    current_suspension,
    insurance_expired,
    verified_checks,
)

register = template.Library()


def _date(value) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _long(value) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def check_lines(cqc_checked_on, insurance_checked_on, insurance_valid_until, today=None) -> list:
    """[(text, expired)] for the verified checks, in the words the pages use."""
    lines = []
    cqc, checked, until = (
        _date(cqc_checked_on),
        _date(insurance_checked_on),
        _date(insurance_valid_until),
    )
    if cqc:
        lines.append((f"CQC registered, checked {_long(cqc)}", False))
    if checked:
        if insurance_expired(until, today or timezone.localdate()):
            lines.append((f"Insurance expired on {_long(until)} (checked {_long(checked)})", True))
        elif until:
            lines.append((f"Insurance checked, valid until {_long(until)}", False))
        else:
            lines.append((f"Insurance checked {_long(checked)}", False))
    return lines


@register.inclusion_tag("directory/safety/check_lines.html")
def result_checks(result):
    """The checks of a search result (a ``ListingSummary``)."""
    return {
        "lines": check_lines(
            result.cqc_checked_on, result.insurance_checked_on, result.insurance_valid_until
        )
    }


@register.simple_tag
def listing_safety(page) -> dict:
    """A live listing's suspension and verified checks, for its page and the owner's pages."""
    verified = verified_checks(page.safety_checks.all())
    cqc = verified.get("cqc")
    insurance = best_insurance(verified)
    return {
        "suspension": current_suspension(page),
        "cqc": cqc,
        "insurance": insurance,
        "lines": check_lines(
            cqc.checked_on if cqc else None,
            insurance.checked_on if insurance else None,
            insurance.expires_on if insurance else None,
        ),
    }
