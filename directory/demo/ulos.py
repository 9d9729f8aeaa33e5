# ruff: noqa: E501 -- prose and price tables read best unbroken.
"""Demo user-led organisations: run and controlled by disabled people or people who use services.

The research behind Kith found that peer brokerage through a ULO had no
referral route at all; these listings show what one looks like, so that
practitioners can find and refer to them.
"""

from __future__ import annotations

# (name pattern, led by, peer brokerage?, peer support?, outcomes, extra categories)
ULO_PATTERNS: list[tuple[str, str, bool, bool, tuple[str, ...], tuple[str, ...]]] = [
    (
        "{borough} Disabled People's Network",
        "disabled people living in {borough}",
        True,
        True,
        ("independent-living", "confidence", "social-inclusion"),
        ("advocacy",),
    ),
    (
        "{borough} Independent Living Forum",
        "disabled people who direct their own support",
        True,
        True,
        ("independent-living", "staying-well"),
        ("support-planning",),
    ),
    (
        "{borough} Mental Health Peer Network",
        "people with lived experience of mental ill health",
        True,
        True,
        ("recovery", "staying-well", "mental-wellbeing"),
        (),
    ),
    (
        "{borough} Deaf Community Association",
        "Deaf people who use British Sign Language",
        False,
        True,
        ("social-inclusion", "independent-living"),
        ("advocacy",),
    ),
    (
        "{borough} Voices Together",
        "people with learning disabilities and autistic people",
        True,
        True,
        ("confidence", "independent-living", "social-inclusion"),
        ("advocacy",),
    ),
    (
        "{borough} Centre for Independent Living",
        "disabled people",
        True,
        True,
        ("independent-living", "employment"),
        ("support-planning", "payroll-and-employment-support"),
    ),
    (
        "{borough} Lived Experience Collective",
        "people who use mental health and social care services",
        True,
        True,
        ("recovery", "giving-back"),
        (),
    ),
    (
        "{borough} Peer Brokerage Co-operative",
        "personal budget holders and their families",
        True,
        False,
        ("independent-living", "confidence"),
        ("support-planning",),
    ),
    (
        "{borough} Autistic Adults Collective",
        "autistic adults",
        False,
        True,
        ("social-inclusion", "mental-wellbeing"),
        (),
    ),
    (
        "{borough} Sight Loss Forum",
        "blind and partially sighted people",
        False,
        True,
        ("independent-living", "social-inclusion"),
        ("advocacy",),
    ),
    (
        "{borough} Carers' Voice",
        "unpaid family carers",
        True,
        True,
        ("carer-break", "family-and-relationships"),
        (),
    ),
]

SUMMARIES = (
    "Run by and for {led_by}: peer support, peer brokerage and a strong voice in {borough}.",
    "A user-led organisation in {borough}. We help people plan and run their own support, with people who have done it themselves.",
    "Peer support and practical help, given by {led_by}.",
)

PEER_BROKERAGE_DETAILS = (
    "A trained peer broker, who manages their own personal budget, helps you think about what you want from life, write your support plan and cost it, then find and set up the support. We stay with you until the first payment arrives and check in after three months.",
    "Peer brokers meet you at home or in our office, as often as you need. They help with the assessment, the plan, the panel and finding PAs, clubs and services. Practitioners can refer through Kith.",
    "We offer up to ten hours of peer brokerage free, funded by a small grant; after that it can be paid from your personal budget at £20 an hour.",
)

PEER_SUPPORT_DETAILS = (
    "Weekly drop-in, a monthly members' meeting and buddying for people new to direct payments.",
    "Peer support groups every week, by phone and online too, and a WhatsApp group for members.",
    "One-to-one peer support from a trained volunteer, plus groups on employing a PA and managing your budget.",
)

PARAGRAPHS = (
    "Everyone on our board and most of our staff and volunteers are {led_by}.",
    "We know the system from the inside: assessments, support plans, panels, direct payments and audits.",
    "We help people employ their own PAs: adverts, interviews, contracts and payroll.",
    "We speak up with and for our members on local issues such as transport, housing and social care charges.",
    "Membership is free. We welcome referrals from practitioners, GPs and people themselves.",
    "We run an easy-read newsletter and an annual conference.",
)
