"""Listings around Stockport for the matching tests, built once per module."""

from datetime import date

import pytest
from django.db import transaction
from django.test import TestCase

from directory.factories import make_listing

STOCKPORT = "SK1 3XE"


@pytest.fixture(scope="module")
def stockport_listings(django_db_setup, django_db_blocker):
    specs = [
        (
            "provider",
            "Grand Central Pools",
            "SK1 3TA",
            ["physical-health"],
            ["swimming", "gym-membership"],
            "4.50",
            "session",
            20,
            {},
        ),
        (
            "provider",
            "Hazel Grove Swimming Pool",
            "SK7 4AA",
            ["physical-health"],
            ["swimming"],
            "3.90",
            "session",
            0,
            {},
        ),
        (
            "club",
            "Stockport Aquafit and Social Swim",
            "SK2 6PL",
            ["physical-health", "social-inclusion"],
            ["swimming", "social-activities-support"],
            "3.50",
            "session",
            6,
            {},
        ),
        (
            "club",
            "Reddish Vale Walking Group",
            "SK5 7HA",
            ["physical-health", "social-inclusion"],
            ["sports-activities", "social-activities-support"],
            None,
            "free",
            None,
            {},
        ),
        (
            "club",
            "Edgeley Friendship Club",
            "SK3 9HQ",
            ["social-inclusion"],
            ["social-activities-support", "leisure-activities"],
            "2.00",
            "session",
            10,
            {},
        ),
        (
            "provider",
            "Heatons Home Help",
            "SK4 4NB",
            ["independent-living"],
            ["domestic-help"],
            "17.00",
            "hour",
            3,
            {"offers_backup_cover": True},
        ),
        (
            "provider",
            "Brinnington Cleaning Co-op",
            "SK5 8BX",
            ["independent-living"],
            ["domestic-help"],
            "15.50",
            "hour",
            None,
            {},
        ),
        (
            "pa",
            "Amina, PA in Cheadle",
            "SK8 1AA",
            ["independent-living"],
            ["personal-assistant", "domestic-help"],
            "14.00",
            "hour",
            None,
            {},
        ),
        (
            "provider",
            "Seaside Breaks for Carers (Blackpool trips)",
            "M1 1AE",
            ["carer-break", "social-inclusion", "mental-wellbeing"],
            ["holiday-short-break", "respite"],
            "480.00",
            "week",
            8,
            {},
        ),
        (
            "provider",
            "Coast and Country Accessible Holidays",
            "SK1 1AA",
            ["social-inclusion", "mental-wellbeing"],
            ["holiday-short-break", "days-out"],
            "650.00",
            "week",
            4,
            {},
        ),
        (
            "provider",
            "Stockport Gym and Fitness Suite",
            "SK1 1RD",
            ["physical-health"],
            ["gym-membership"],
            "28.00",
            "month",
            50,
            {},
        ),
        (
            "club",
            "Stockport Angling Society",
            "SK6 2AA",
            ["mental-wellbeing"],
            ["fishing", "membership-fees"],
            "35.00",
            "year",
            None,
            {},
        ),
    ]
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            listings = {
                title: make_listing(
                    kind,
                    title,
                    postcode,
                    outcomes=outcomes,
                    categories=categories,
                    price=price,
                    price_unit=unit,
                    places_available=places,
                    last_confirmed=date(2026, 9, 1),
                    **extra,
                )
                for kind, title, postcode, outcomes, categories, price, unit, places, extra in specs
            }
        yield listings
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_choice_counts():
    """What people chose is counted again for every test, so no test sees another's."""
    from matching import choices

    choices.forget()
    yield
    choices.forget()
