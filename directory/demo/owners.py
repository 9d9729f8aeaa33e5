"""Owners for every demo listing with a price, so each one can be booked and paid for.

Kith takes a booking only for a listing with an owner: the person who accepts
it, delivers and is paid. So every priced demo listing gets one, worked out
here as plain data from the listing specs (no database), the same on every
run and machine:

- each personal assistant owns their own listing ("Imran H" is Imran
  Hussain), with a surname that fits their first name;
- a handful of local companies run several services under one name (Goyt,
  Brightside, Harbour, ...), each with one manager who owns them all;
- every other organisation's listing has its own manager.

Each owner is an account with the shared demo password (docs/demo.md);
``manage.py demo_owners`` lists them with their listings. The hand-written
role accounts (Lesley, Joanne, Sunita) keep the listings ``anchors.py`` gives
them. ``demo_owners()`` is the one place to find every demo owner account,
for example to give each one somewhere to be paid. The reminders to confirm
details that fall due to these owners are recorded, not emailed
(``record_reminders_quietly``), so a first ``make run`` is not a flood of email.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from accounts.roles import Role
from directory.demo import pas
from directory.demo.specs import ListingSpec

DOMAIN = "example.org"

# Companies with several services under one name, and the manager who owns them all.
CHAINS: dict[str, tuple[str, str]] = {
    "Goyt": ("Gareth", "Lomax"),
    "Brightside": ("Nasreen", "Akhtar"),
    "Harbour": ("Siobhan", "Doherty"),
    "Elder": ("Trevor", "Greenhalgh"),
    "Rosebank": ("Funmi", "Adeyemi"),
    "Northern Star": ("Colin", "Whitworth"),
}

ROLE_FOR_KIND = {
    "pa": Role.PERSONAL_ASSISTANT,
    "ulo": Role.ULO_STAFF,
    "provider": Role.PROVIDER,
    "club": Role.PROVIDER,
    "peer_group": Role.PROVIDER,
}

# Managers of the other organisations: names heard across Greater Manchester.
MANAGER_FIRST = """
Karen Steve Julie Andrew Sharon Michael Tracey Gary Angela Paul Helen Graham Denise Mark Lorraine
Ian Nicola Simon Beverley Neil Sadia Kamran Shabana Rizwan Grace Chidi Tunde Ewa Marek Bernadette
Declan Fiona Kieran Yvonne Dean Lindsey Martin Carol Wendy Stuart Rebecca Jason Farzana Naveed
Dorota Kwabena Abimbola Patrick Maria Tony Jill Rachel Lee Anita Harjit Sunil Ruth Owen Megan
""".split()
MANAGER_LAST = """
Ashworth Atherton Bradshaw Butterworth Brennan Clegg Cooper Collins Dawson Duffy Entwistle
Fairclough Fletcher Garside Hargreaves Heywood Holt Howarth Jackson Kay Kenyon Lees Mellor Moss
Nuttall Ogden Parkinson Pickup Platt Royle Rigby Schofield Stott Shaw Taylor Thorpe Walsh
Whitehead Wild Worsley Ahmed Begum Hussain Iqbal Khan Patel Rahman Okafor Mensah Nowak
Kowalczyk Quinn Byrne Kelly Walker Evans Sandhu Chaudhry Murphy Grundy Tattersall Kershaw
""".split()

# Surnames by initial, for PAs ("Imran H" needs an H), by their first name's group in pas.py
# (its languages): names a PA with that first name might well have, never gendered ones.
_SURNAMES = {
    (): """Ashworth Atherton Bradshaw Butterworth Brennan Clegg Cooper Collins Dawson Duffy
        Entwistle Evans Fairclough Fletcher Garside Greenhalgh Hargreaves Holt Howarth Jackson
        Jones Kenyon Kay Kelly Lees Lomax Mellor Moss Murphy Nuttall Norris Ogden O'Neill
        Parkinson Platt Pickup Royle Rigby Schofield Stott Shaw Taylor Thorpe Walsh Whitehead
        Wild""",
    ("ur", "pa"): """Ahmed Akhtar Ali Bhatti Butt Chaudhry Dar Hussain Iqbal Javed Khan Latif
        Mahmood Mirza Nawaz Qureshi Rashid Raja Shah Tariq Warraich""",
    ("pa", "hi"): """Atwal Bains Chahal Dhillon Gill Grewal Hayer Johal Kang Lally Mann Nijjar
        Purewal Randhawa Sandhu Sidhu Toor Walia""",
    ("gu", "hi"): """Amin Bhatt Chauhan Desai Gohil Hirani Joshi Kotecha Lad Mistry Modi Naik
        Patel Parmar Rana Shah Solanki Thakkar""",
    ("bn",): """Ahmed Begg Chowdhury Hoque Hossain Islam Jalil Karim Miah Rahman Sarkar
        Talukdar Uddin""",
    ("pl",): """Adamczyk Baran Dudek Gajda Hajduk Jankowiak Krawczyk Kubiak Lis Mazur Nowak
        Pawlak Rogala Sikora Tomczak Wójcik""",
    ("ar",): "Al-Hassan Bakr Darwish Haddad Jaber Khalil Mansour Nasser Omar Saleh Tahir",
    ("so",): "Abdi Dahir Farah Hassan Jama Mohamed Nur Omar Roble Warsame",
    ("ro",): "Constantin Dumitru Munteanu Popescu Radu Stan",
    ("uk",): "Bondarenko Hrytsenko Kovalenko Melnyk Petrenko Shevchenko Tkachenko",
}
SURNAMES = {group: names.split() for group, names in _SURNAMES.items()}
_GROUP_BY_FIRST_NAME = {
    name: languages for names, _gender, languages, _weight in pas.NAME_GROUPS for name in names
}


@dataclass(frozen=True)
class DemoOwner:
    """An account that owns demo listings: signs in with the shared demo password."""

    email: str
    first_name: str
    last_name: str
    role: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def chain_of(title: str) -> str | None:
    """The company name a listing trades under, if it is one of the CHAINS."""
    for brand in CHAINS:
        if title.startswith(f"{brand} "):
            return brand
    return None


def pa_name(spec: ListingSpec) -> tuple[str, str]:
    """A PA's full name from "Imran H – personal assistant in Edgeley": a surname starting H."""
    first, initial = spec.title.split(" – ", 1)[0].split()[:2]
    initial = initial.rstrip(".")[:1]
    rng = random.Random(f"pa-owner:{spec.slug}")
    group = _GROUP_BY_FIRST_NAME.get(first, ())
    for pool in (SURNAMES.get(group, ()), SURNAMES[()]):
        fitting = [name for name in pool if name.startswith(initial)]
        if fitting:
            return first, rng.choice(fitting)
    return first, rng.choice(SURNAMES[()])


def manager_name(spec: ListingSpec) -> tuple[str, str]:
    rng = random.Random(f"owner:{spec.slug}")
    return rng.choice(MANAGER_FIRST), rng.choice(MANAGER_LAST)


def _email_local(first: str, last: str) -> str:
    text = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.-]", "", text.lower())


def needs_owner(spec: ListingSpec) -> bool:
    return spec.price is not None and spec.price > 0


def assign_owners(specs: list[ListingSpec], taken_emails=()) -> list[DemoOwner]:
    """Give every priced listing in ``specs`` without an owner one; return the owners, in order.

    ``spec.owner`` becomes the owner's email (the hand-written listings keep
    their role account's key, such as "provider"). Names that come up twice
    get a number in the email (sarah.taylor2@...), counted in listing order,
    so the first listings of a longer set keep the same owners.
    """
    taken = {email.lower() for email in taken_emails}
    owners: dict[str, DemoOwner] = {}
    chains: dict[str, DemoOwner] = {}
    for spec in specs:
        if spec.owner or not needs_owner(spec):
            continue
        brand = chain_of(spec.title) if spec.kind != "pa" else None
        if brand in chains:
            spec.owner = chains[brand].email
            continue
        if brand:
            first, last = CHAINS[brand]
        elif spec.kind == "pa":
            first, last = pa_name(spec)
        else:
            first, last = manager_name(spec)
        local = _email_local(first, last)
        email, number = f"{local}@{DOMAIN}", 1
        while email in taken:
            number += 1
            email = f"{local}{number}@{DOMAIN}"
        taken.add(email)
        owner = DemoOwner(email, first, last, ROLE_FOR_KIND[spec.kind])
        owners[email] = owner
        if brand:
            chains[brand] = owner
        spec.owner = email
    return list(owners.values())


def ensure_owner_accounts(owners: list[DemoOwner]) -> tuple[dict[str, object], int]:
    """Create the owner accounts that are missing, in bulk; return users by email and how
    many were new.

    Like the role accounts, each has the shared demo password, a verified
    email and its role; an existing account is left as it is.
    """
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import RoleGrant
    from directory.demo.accounts import DEMO_PASSWORD

    User = get_user_model()
    emails = [owner.email for owner in owners]
    with transaction.atomic():
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        missing = [owner for owner in owners if owner.email not in existing]
        if missing:
            # One hash for them all: each hash deliberately takes about half a second.
            password = make_password(DEMO_PASSWORD)
            User.objects.bulk_create(
                [
                    User(
                        email=owner.email,
                        password=password,
                        first_name=owner.first_name,
                        last_name=owner.last_name,
                        # PAs show as "Imran H", as on their listing; managers in full.
                        display_name=f"{owner.first_name} {owner.last_name[:1]}"
                        if owner.role == Role.PERSONAL_ASSISTANT
                        else owner.name,
                    )
                    for owner in missing
                ],
                batch_size=500,
            )
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        if missing:
            new_users = [users[owner.email] for owner in missing]
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(user=user, email=user.email, verified=True, primary=True)
                    for user in new_users
                ],
                batch_size=500,
                ignore_conflicts=True,
            )
            RoleGrant.objects.bulk_create(
                [RoleGrant(user=users[owner.email], role=owner.role) for owner in missing],
                batch_size=500,
                ignore_conflicts=True,
            )
    return users, len(missing)


def record_reminders_quietly(emails) -> int:
    """Record the "are your details still right?" reminders due to these owners as sent
    today, without emailing them; return how many.

    Hundreds of demo listings were last confirmed months ago, so on the first
    ``make run`` the scheduler would otherwise email (print, in development)
    a reminder to nearly every owner at once. Recorded as the reminder job
    records one, the listings' freshness follows as if it had been sent. The
    hand-written accounts (Lesley, Joanne, Sunita) still get theirs by email.
    """
    from django.utils import timezone
    from wagtail.models import PageLogEntry

    from directory.moderation import REMINDER_ACTION, listings_due_for_reminder, note_reminded

    due = list(
        listings_due_for_reminder()
        .filter(owner__email__in=list(emails))
        .values_list("pk", "title", "content_type_id", "owner_id")
    )
    if not due:
        return 0
    now = timezone.now()
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                page_id=pk,
                content_type_id=content_type_id,
                label=title,
                action=REMINDER_ACTION,
                timestamp=now,
                data={"sent_to": owner_id, "demo": "recorded when the demo was loaded"},
            )
            for pk, title, content_type_id, owner_id in due
        ],
        batch_size=500,
    )
    note_reminded([row[0] for row in due])
    return len(due)
