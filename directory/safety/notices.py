"""Telling a listing's owner about a suspension or their checks (``accounts.notifications``).

Sent once the change is committed, so nobody hears of something rolled back.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from accounts.notifications import Event, notify
from directory import ownership


def _checks_page(listing) -> str:
    return reverse("directory:listing_checks", args=[listing.pk])


def _to_owner(listing, event, subject: str, body: str, url: str) -> None:
    owner = ownership.account_holder(listing)
    if owner is None:
        return
    transaction.on_commit(
        lambda: notify(
            owner, event, subject=subject, body=body, url=url, context={"listing": listing.pk}
        )
    )


def suspended(suspension) -> None:
    listing = suspension.listing
    _to_owner(
        listing,
        Event.LISTING_SUSPENDED,
        f"{listing.title} is suspended from Kith's directory",
        f"A moderator has taken {listing.title} out of search, and it cannot be booked or "
        f"messaged about for now. The reason given: {suspension.reason} "
        "Bookings already made stand, but none can be marked delivered until a moderator "
        "has looked at any no-show reported.",
        reverse("directory:my_listings"),
    )


def lifted(suspension) -> None:
    listing = suspension.listing
    note = f" The moderator's note: {suspension.lift_note}" if suspension.lift_note else ""
    _to_owner(
        listing,
        Event.LISTING_SUSPENDED,
        f"{listing.title} is back in Kith's directory",
        f"The suspension of {listing.title} has been lifted: it is in search again and can "
        f"be booked and messaged about.{note}",
        reverse("directory:my_listings"),
    )


def check_verified(check) -> None:
    listing = check.listing
    until = (
        f", valid until {check.expires_on:%-d %B %Y}"
        if check.is_insurance and check.expires_on
        else ""
    )
    _to_owner(
        listing,
        Event.CHECKS_VERIFIED,
        f"Your {check.get_kind_display()} is checked",
        f"A moderator checked the {check.get_kind_display()} for {listing.title} on "
        f"{check.checked_on:%-d %B %Y}{until}. It now shows on your listing and in search.",
        _checks_page(listing),
    )


def check_rejected(check, reason: str) -> None:
    listing = check.listing
    _to_owner(
        listing,
        Event.CHECKS_VERIFIED,
        f"Your {check.get_kind_display()} could not be checked",
        f"A moderator could not check the {check.get_kind_display()} you gave for "
        f"{listing.title}: {reason} You can enter the details again.",
        _checks_page(listing),
    )


def insurance_expiring(check, today) -> None:
    listing = check.listing
    if check.expires_on < today:
        subject = f"The {check.get_kind_display()} for {listing.title} has run out"
        body = (
            f"It ran out on {check.expires_on:%-d %B %Y}, so your listing shows it as expired "
            "and it no longer counts as checked insurance in search. Enter your new policy "
            "so a moderator can check it."
        )
    else:
        subject = f"The {check.get_kind_display()} for {listing.title} runs out soon"
        body = (
            f"It is valid until {check.expires_on:%-d %B %Y}. Enter your renewed policy "
            "before then so a moderator can check it, or your listing will show it as expired."
        )
    _to_owner(listing, Event.CHECKS_EXPIRING, subject, body, _checks_page(listing))
