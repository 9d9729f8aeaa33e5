"""Build the demo directory as a list of listing specs, deterministically.

``listing_specs(count)`` returns the hand-written listings first, then
generated ones, from one seeded random generator: the same count always gives
the same listings, and a smaller count gives a prefix of a larger one, so a
demo, a test and a second run all agree on what "the demo data" is.
"""

from __future__ import annotations

import random
from decimal import Decimal

from directory.demo import catalogue, pas, ulos
from directory.demo.anchors import anchor_specs
from directory.demo.places import AREAS, BOROUGHS, Area, borough_centre
from directory.demo.specs import ListingSpec, LocationSpec, slug_for

DEFAULT_LISTINGS = 640
SEED = 20260401

# Roughly the mix a local directory has: many services and PAs, fewer ULOs.
KIND_WEIGHTS = {"pa": 27, "provider": 37, "club": 22, "peer_group": 10, "ulo": 4}

CONFIRMED_WITHIN_DAYS = 425  # about 14 months
NEVER_CONFIRMED_SHARE = 0.1

CONTACT_FIRST = """
Pat Chris Jo Sam Lesley Gill Andy Mo Sue Raj Nadia Tony Bernie Jan Kath Phil Yasmin Dee Vic Ruth
""".split()
CONTACT_LAST = """
Walsh Hughes Patel Khan Taylor Brennan Okafor Lees Nowak Ahmed Clarke Mellor Shaw Hall Begum
Kowalski Bradley Hussain Ward Fletcher
""".split()
VENUES = (
    "{place} Community Centre",
    "St Mary's Church Hall",
    "{place} Library",
    "The Old School Rooms",
    "{place} Methodist Church",
    "{place} Scout Hut",
    "{place} Sports Hall",
    "{park} café",
    "{place} Social Club",
    "United Reformed Church hall",
)


def listing_specs(count: int = DEFAULT_LISTINGS) -> list[ListingSpec]:
    """The first ``count`` demo listings, each with a unique slug."""
    specs = anchor_specs()[:count]
    taken = {spec.slug for spec in specs}
    rng = random.Random(SEED)
    kinds, kind_weights = zip(*KIND_WEIGHTS.items(), strict=True)
    attempts = 0
    while len(specs) < count:
        attempts += 1
        if attempts > count * 20:
            raise RuntimeError(f"Could not invent {count} distinct demo listings.")
        kind = rng.choices(kinds, kind_weights)[0]
        spec = _BUILDERS[kind](rng)
        if spec.slug in taken:
            continue
        taken.add(spec.slug)
        specs.append(spec)
    return specs


# --- shared pieces -----------------------------------------------------------


def _pick_area(rng: random.Random) -> Area:
    return rng.choices(AREAS, [a.weight for a in AREAS])[0]


def _place_name(area: Area) -> str:
    """'Stockport' for 'Stockport town centre': how local names read in a title."""
    return area.name.replace(" town centre", "").replace(" city centre", "")


def _money(rng: random.Random, price: catalogue.Price) -> Decimal:
    steps = int((price.high - price.low) / price.step)
    return (price.low + price.step * rng.randint(0, steps)).quantize(Decimal("0.01"))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _confirmed(rng: random.Random) -> int | None:
    if rng.random() < NEVER_CONFIRMED_SHARE:
        return None
    return rng.randint(0, CONFIRMED_WITHIN_DAYS)


def _some(rng: random.Random, options, low: int, high: int) -> list:
    options = list(options)
    return rng.sample(options, min(len(options), rng.randint(low, high)))


def _in_order(rng: random.Random, paragraphs, low: int, high: int) -> list[str]:
    """A few paragraphs, kept in their written order so the text still flows."""
    chosen = sorted(
        rng.sample(range(len(paragraphs)), min(len(paragraphs), rng.randint(low, high)))
    )
    return [paragraphs[i] for i in chosen]


def _languages(rng: random.Random, area: Area, share: float = 0.3) -> list[str]:
    languages = ["en"]
    if area.languages and rng.random() < share:
        languages += _some(rng, area.languages, 1, 2)
    if rng.random() < 0.04:
        languages.append("bsl")
    return languages


def _contact(rng: random.Random, slug: str, organisation: bool) -> dict:
    local = slug[:40].strip("-")
    contact = {
        "contact_name": f"{rng.choice(CONTACT_FIRST)} {rng.choice(CONTACT_LAST)}",
        # Ofcom keeps 0161 496 0xxx and 07700 900xxx for drama: never a real line.
        "contact_phone": (
            f"0161 496 0{rng.randint(0, 999):03d}"
            if organisation or rng.random() < 0.5
            else f"07700 900{rng.randint(0, 999):03d}"
        ),
        "contact_email": f"{local}@example.org",
    }
    if organisation and rng.random() < 0.6:
        contact["website"] = f"https://{local}.example.org/"
    return contact


def _places(rng: random.Random, capacity_range) -> tuple[int | None, int | None]:
    if not capacity_range:
        return None, None
    capacity = rng.randint(*capacity_range)
    roll = rng.random()
    if roll < 0.15:
        return capacity, 0  # full: shows people what "no places left" looks like
    if roll < 0.25:
        return capacity, None
    return capacity, rng.randint(1, max(1, capacity // 2))


# --- services: providers, clubs, peer groups --------------------------------


def _service(rng: random.Random, types: list[catalogue.ServiceType]) -> ListingSpec:
    service = rng.choices(types, [t.weight for t in types])[0]
    area = _pick_area(rng)
    place = _place_name(area)
    park = rng.choice(area.parks) if area.parks else place
    context = {
        "place": place,
        "borough": area.borough,
        "park": park,
        "park_or_place": park,
        "brand": rng.choice(catalogue.BRANDS),
        "street": rng.choice(area.streets),
        "topic": "",
        "topic_summary": "",
    }
    outcomes = list(service.outcomes)
    categories = list(service.categories)
    if service.key == "course":
        topic, topic_outcomes, topic_categories, topic_summary = rng.choice(catalogue.COURSE_TOPICS)
        context.update(topic=topic, topic_summary=topic_summary)
        outcomes, categories = list(topic_outcomes), list(topic_categories)
    title = rng.choice(service.names).format(**context)
    summary = rng.choice(service.summaries).format(**context)

    outcomes += [o for o in _some(rng, service.extra_outcomes, 0, 2) if o not in outcomes]
    categories += [c for c in _some(rng, service.extra_categories, 0, 1) if c not in categories]
    price = rng.choice(service.prices)
    amount = _money(rng, price)
    capacity, places = _places(rng, service.capacity)
    postcode = rng.choice(area.postcodes)
    street = rng.choice(area.streets)
    comes_to_you = service.radius_km is not None
    venue = (
        "" if comes_to_you or service.kind == "provider" else rng.choice(VENUES).format(**context)
    )
    locations = [
        LocationSpec(postcode=postcode, name=venue, address=f"{rng.randint(1, 240)} {street}")
    ]
    paragraphs = _in_order(rng, service.paragraphs, 2, 4)
    if not comes_to_you:
        paragraphs.append(f"You will find us on {street}, {place}.")
    languages = _languages(rng, area)
    extra = dict(service.fields)
    extra_languages = extra.pop("languages", ())
    languages += [code for code in extra_languages if code not in languages]
    if extra.pop("bsl", False) and "bsl" not in languages:
        languages.append("bsl")
    if len(languages) > 1:
        names = ", ".join(pas.LANGUAGE_NAMES.get(code, code) for code in languages[1:])
        paragraphs.append(f"We can help you in {names} as well as English.")
    access = [a for a in service.access if rng.random() < 0.7]
    if "bsl" in languages and "bsl" not in access:
        access.append("bsl")

    spec = ListingSpec(
        kind=service.kind,
        title=title,
        summary=summary,
        description="\n\n".join(paragraphs),
        locations=locations,
        outcomes=outcomes,
        categories=categories,
        languages=languages,
        accessibility=access,
        price=amount,
        price_unit=price.unit,
        price_notes=rng.choice(price.notes),
        capacity=capacity,
        places_available=places,
        availability=rng.choice(service.availability),
        service_radius_km=(
            Decimal(rng.randint(*service.radius_km)).quantize(Decimal("0.1"))
            if comes_to_you
            else None
        ),
        offers_backup_cover=rng.random() < service.backup_cover,
        confirmed_days_ago=_confirmed(rng),
        **_contact(rng, slug_for(title), organisation=service.kind != "peer_group"),
    )
    if service.kind == "provider":
        registered = rng.random() < service.cqc
        spec.extra = {
            "cqc_registered": registered,
            "cqc_location_id": f"1-{rng.randint(100000000, 999999999)}" if registered else "",
            "charity_number": str(rng.randint(1000000, 1199999))
            if rng.random() < service.charity
            else "",
        }
        if rng.random() < 0.15:
            # An organisation with a second base elsewhere in the same borough.
            others = [a for a in AREAS if a.borough == area.borough and a is not area]
            if others:
                other = rng.choice(others)
                spec.locations.append(
                    LocationSpec(
                        postcode=rng.choice(other.postcodes),
                        name=f"{_place_name(other)} office",
                        address=f"{rng.randint(1, 240)} {rng.choice(other.streets)}",
                    )
                )
    elif service.kind == "club":
        spec.extra = {
            "run_by_volunteers": rng.random() < service.volunteers,
            "who_for": rng.choice(service.who_for) if service.who_for else "",
        }
    else:
        spec.extra = {
            "who_for": rng.choice(service.who_for) if service.who_for else "",
            "facilitated_by": rng.choice(service.facilitated_by) if service.facilitated_by else "",
            "meets_online": rng.random() < service.meets_online,
        }
    return spec


def _provider(rng):
    return _service(rng, catalogue.PROVIDER_TYPES)


def _club(rng):
    return _service(rng, catalogue.CLUB_TYPES)


def _peer_group(rng):
    return _service(rng, catalogue.PEER_GROUP_TYPES)


# --- personal assistants ------------------------------------------------------


def _pa(rng: random.Random) -> ListingSpec:
    group = rng.choices(pas.NAME_GROUPS, [g[3] for g in pas.NAME_GROUPS])[0]
    names, gender, group_languages, _ = group
    first = rng.choice(names)
    if not gender:
        if first in pas.UNISEX_NAMES:
            gender = rng.choice(("", "female", "male", "non-binary"))
        else:
            gender = "male" if first in pas.MALE_NAMES else "female"
        if rng.random() < 0.1:
            gender = ""  # some prefer not to say
    area = _pick_area(rng)
    place = _place_name(area)
    title = f"{first} {rng.choice(pas.INITIALS)} – personal assistant in {place}"

    drives = rng.random() < 0.55
    outcomes = ["independent-living"]
    for outcome, chance in (
        ("physical-health", 0.4),
        ("social-inclusion", 0.5),
        ("mental-wellbeing", 0.3),
        ("staying-well", 0.3),
        ("confidence", 0.2),
        ("carer-break", 0.2),
    ):
        if rng.random() < chance:
            outcomes.append(outcome)
    if drives and rng.random() < 0.6:
        outcomes.append("getting-around")
    categories = ["personal-assistant"]
    if "social-inclusion" in outcomes or rng.random() < 0.2:
        categories.append("social-activities-support")
    if "carer-break" in outcomes:
        categories.append("respite")

    languages = ["en"] + [code for code in group_languages if rng.random() < 0.85]
    if rng.random() < 0.05:
        languages.append("bsl")
    skills = _some(rng, pas.SKILLS, 3, 6)
    if "physical-health" in outcomes and "support at the gym or swimming" not in skills:
        skills.append("support at the gym or swimming")
    if drives and "driving to appointments" not in skills:
        skills.append("driving to appointments")
    if "bsl" in languages and pas.BSL_SKILL not in skills:
        skills.append(pas.BSL_SKILL)

    if "physical-health" in outcomes:
        summary = pas.SUMMARIES[2]
    elif drives and "getting-around" in outcomes:
        summary = pas.SUMMARIES[3]
    elif "mental-wellbeing" in outcomes or "staying-well" in outcomes:
        summary = pas.SUMMARIES[5]
    else:
        summary = rng.choice([s for i, s in enumerate(pas.SUMMARIES) if i not in (2, 3, 5)])
    summary = summary.format(place=place)

    paragraphs = [pas.PARAGRAPHS[0]]
    if "physical-health" in outcomes:
        paragraphs.append(pas.PARAGRAPHS[1])
    paragraphs += _in_order(rng, pas.PARAGRAPHS[2:5], 1, 2)
    if drives:
        paragraphs.append(pas.PARAGRAPHS[5])
    if len(languages) > 1:
        spoken = " and ".join(pas.LANGUAGE_NAMES[code] for code in languages[1:])
        paragraphs.append(pas.PARAGRAPHS[6].format(languages=spoken))
    paragraphs.append(rng.choice(pas.PARAGRAPHS[7:]))

    hours_min, hours_max = rng.choice(pas.HOURS)
    dbs = rng.choices(("enhanced", "standard", "basic", ""), (60, 10, 5, 25))[0]
    verified = dbs == "enhanced" and rng.random() < 0.5
    dates = {}
    if verified:
        checked = rng.randint(10, 360)
        dates = {"dbs_verified_on": checked}
        if rng.random() < 0.7:
            dates["insurance_verified_on"] = checked + rng.randint(0, 5)
        if rng.random() < 0.7:
            dates["references_verified_on"] = checked + rng.randint(0, 10)
    places_roll = rng.random()
    places = None if places_roll < 0.8 else (0 if places_roll < 0.9 else rng.randint(1, 2))
    return ListingSpec(
        kind="pa",
        title=title,
        summary=summary,
        description="\n\n".join(paragraphs),
        locations=[LocationSpec(postcode=rng.choice(area.postcodes))],
        outcomes=outcomes,
        categories=categories,
        languages=languages,
        accessibility=["home-visits"],
        price=_money(rng, catalogue.price("12.50", "17.50", "hour", "0.25")),
        price_unit="hour",
        places_available=places,
        availability=rng.choice(pas.AVAILABILITY),
        service_radius_km=Decimal(rng.randint(4, 15)).quantize(Decimal("0.1")),
        offers_backup_cover=rng.random() < 0.25,
        confirmed_days_ago=_confirmed(rng),
        checks_verified=verified,
        dates_days_ago=dates,
        extra={
            "skills": _sentence(", ".join(skills)),
            "experience": rng.choice(pas.EXPERIENCE).format(years=rng.randint(2, 15)),
            "hours_wanted_min": hours_min,
            "hours_wanted_max": hours_max,
            "gender": gender,
            "drives": drives,
            "dbs_level": dbs,
        },
        contact_name=first,
        contact_phone=f"07700 900{rng.randint(0, 999):03d}",
        contact_email=f"{slug_for(title)[:30].strip('-')}@example.org",
    )


# --- user-led organisations ---------------------------------------------------


def _ulo(rng: random.Random) -> ListingSpec:
    borough_weights = [sum(a.weight for a in AREAS if a.borough == b) for b in BOROUGHS]
    borough = rng.choices(BOROUGHS, borough_weights)[0]
    pattern, led_by, brokerage, support, outcomes, extra_categories = rng.choice(ulos.ULO_PATTERNS)
    led_by = led_by.format(borough=borough)
    title = pattern.format(borough=borough)
    area = borough_centre(borough)
    categories = (["peer-brokerage"] if brokerage else []) + (["peer-support"] if support else [])
    categories += list(extra_categories)
    paragraphs = [p.format(led_by=led_by) for p in _in_order(rng, ulos.PARAGRAPHS, 3, 4)]
    charged = brokerage and rng.random() < 0.3
    capacity, places = _places(rng, (10, 40))
    languages = _languages(rng, area, share=0.4)
    if "Deaf" in title and "bsl" not in languages:
        languages.append("bsl")
    return ListingSpec(
        kind="ulo",
        title=title,
        summary=rng.choice(ulos.SUMMARIES).format(led_by=led_by, borough=borough),
        description="\n\n".join(paragraphs),
        locations=[
            LocationSpec(
                postcode=rng.choice(area.postcodes),
                address=f"{rng.randint(1, 120)} {rng.choice(area.streets)}",
            )
        ],
        outcomes=list(outcomes),
        categories=categories,
        languages=languages,
        accessibility=_some(
            rng,
            ("step-free", "accessible-toilet", "hearing-loop", "easy-read", "bsl", "quiet-space"),
            2,
            5,
        ),
        price=Decimal("20.00") if charged else Decimal("0"),
        price_unit="hour" if charged else "free",
        price_notes="Peer brokerage; support groups are free."
        if charged
        else "Membership is free.",
        capacity=capacity,
        places_available=places,
        availability=rng.choice(
            (
                "Mon–Fri 9.30am–4pm.",
                "Tue–Thu 10am–3pm; drop-in Friday mornings.",
                "Mon–Fri 9am–5pm; evening groups.",
            )
        ),
        confirmed_days_ago=_confirmed(rng),
        extra={
            "led_by": led_by,
            "offers_peer_brokerage": brokerage,
            "peer_brokerage_details": rng.choice(ulos.PEER_BROKERAGE_DETAILS) if brokerage else "",
            "offers_peer_support": support,
            "peer_support_details": rng.choice(ulos.PEER_SUPPORT_DETAILS) if support else "",
            "accepts_referrals": rng.random() < 0.9,
        },
        **_contact(rng, slug_for(title), organisation=True),
    )


_BUILDERS = {
    "pa": _pa,
    "provider": _provider,
    "club": _club,
    "peer_group": _peer_group,
    "ulo": _ulo,
}
