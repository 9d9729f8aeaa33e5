"""Kith's information and advice pages, as first published: loaded by ``load_demo``.

``ensure_information_pages()`` creates any of these pages that are missing
(recognised by slug under their parent) and leaves existing ones alone, so
editors' changes in the Wagtail admin are never overwritten. On a real site
run ``manage.py load_information_pages`` once; the pages are then edited in
the admin like any other.

Each page is plain English; the easy-read versions use short sentences, one
idea to a line. The examples in "Making a support plan" are drawn from the
evaluation of Stockport's personal-budget pilot in mental health services
(2010–2011) and the other research behind Kith, retold in Kith's own words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import transaction

PAYROLL_SEARCH = "/directory/?category=payroll-and-employment-support"
BROKERAGE_SEARCH = "/directory/?category=independent-brokerage"
PEER_BROKERAGE_SEARCH = "/directory/?category=peer-brokerage"
SUPPORT_PLANNING_SEARCH = "/directory/?category=support-planning"


def h(text: str) -> dict:
    return {"type": "heading", "value": text}


def p(*paragraphs: str) -> dict:
    """Rich text: each argument is a paragraph, or a list (starting '<ul>') as it is."""
    html = "".join(x if x.startswith("<") else f"<p>{x}</p>" for x in paragraphs)
    return {"type": "paragraph", "value": html}


def ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def term(word: str, meaning: str) -> dict:
    return {"type": "definition", "value": {"term": word, "meaning": meaning}}


def lines(*sentences: str) -> dict:
    """Easy read: one short sentence to a line."""
    return p(*sentences)


@dataclass
class InfoPage:
    slug: str
    title: str
    summary: str
    body: list[dict]
    children: list[InfoPage] = field(default_factory=list)
    easy_read: str = ""  # slug of the matching easy-read page


PERSONAL_BUDGETS = InfoPage(
    "personal-budgets-and-direct-payments",
    "Personal budgets and direct payments",
    "What a personal budget is, the ways it can be held, and what a direct payment means for you.",
    [
        h("What a personal budget is"),
        p(
            "A personal budget is the amount of money your council agrees is needed to meet "
            "your eligible care and support needs. It comes after a needs assessment (and, "
            "for health needs, a personal health budget may come from the NHS).",
            "The money is for the outcomes in your support plan: the things you want to "
            "achieve, such as getting out more, staying well or keeping your home.",
        ),
        h("The ways a budget can be held"),
        p(
            ul(
                "<b>Direct payment</b>: the council pays the money to you, or to someone "
                "who manages it for you, and you arrange and pay for your support.",
                "<b>Managed account</b>: the council holds the money and pays for the "
                "support you choose.",
                "<b>Individual service fund</b>: a provider holds the money and works out "
                "your support with you.",
                "<b>A mix</b>: for example, a direct payment for a PA and a managed "
                "account for a day service.",
            ),
            "You can change how your budget is held if the way you chose stops working for you.",
        ),
        h("What a direct payment means"),
        p(
            "A direct payment gives you the most choice: you can employ a personal "
            "assistant, pay an agency, join a gym, take a course or buy something else that "
            "meets the outcomes in your plan.",
            "It also brings some responsibilities:",
            ul(
                "keep the money in a separate bank account or on the council's prepaid card;",
                "keep receipts and records of what you spend;",
                "spend it on what your support plan agrees;",
                "if you employ someone, you become an employer (see "
                '<a href="/help/employing-a-personal-assistant/">employing a PA</a>).',
            ),
            "The council checks how the money is used, usually once or twice a year. A "
            "family member, friend or advocate can help you manage it.",
        ),
        h("Paying with Kith"),
        p(
            "Kith shows prices per hour, session or month, and the statement on your plan "
            "shows what you have agreed to spend against your budget. Invoices can be sent "
            "to whoever holds your money: you, a managed account or a provider holding an "
            "individual service fund."
        ),
    ],
    easy_read="easy-read-personal-budgets",
)

EMPLOYING_A_PA = InfoPage(
    "employing-a-personal-assistant",
    "Employing a personal assistant (PA)",
    "Contracts, payroll, employer's liability insurance, holiday pay, and where to get help.",
    [
        p(
            "When you pay a PA from your direct payment you are usually their employer. "
            "That gives you control over who supports you and how, and it comes with the "
            "same duties as any employer. You do not have to do it alone: payroll "
            "services and user-led organisations do much of it for you."
        ),
        h("Before they start"),
        p(
            ul(
                "Check they have the right to work in the UK, and keep a copy of the document.",
                "Ask for a DBS (criminal record) check if they will give personal care.",
                "Ask for references, and meet them more than once if you can.",
            )
        ),
        h("A contract"),
        p(
            "Give your PA a written statement of their terms on or before their first day: "
            "their pay, hours, where they work, holiday, sick pay, notice and what happens "
            "if you go into hospital. Many councils and user-led organisations have a "
            "template contract for PAs you can adapt."
        ),
        h("Pay, tax and pensions (payroll)"),
        p(
            "You must pay at least the National Minimum Wage or National Living Wage, take "
            "off income tax and National Insurance through PAYE, give payslips, and put "
            "your PA into a workplace pension if they qualify.",
            "Most people use a payroll service: it registers you as an employer with HM "
            "Revenue and Customs, works out each payslip and tells you what to pay. The "
            "fee can usually be paid from your direct payment.",
        ),
        h("Employer's liability insurance"),
        p(
            "Most employers must have employer's liability insurance by law. It pays if "
            "your PA is hurt or made ill by their work. There are specialist policies for "
            "people who employ PAs with a direct payment, and some include employment legal "
            "advice. The cost can usually come from your budget."
        ),
        h("Holiday pay and sick pay"),
        p(
            "Every PA is entitled to 5.6 weeks' paid holiday a year (28 days for someone "
            "working five days a week; less, pro rata, for part-time work). Plan who will "
            "support you while they are away: Kith shows PAs and providers who offer back-up "
            "cover.",
            "A PA who is off sick may be due Statutory Sick Pay. Your payroll service will "
            "work it out.",
        ),
        h("Where to get help"),
        p(
            f'<a href="{PAYROLL_SEARCH}">Find payroll and employer support services near '
            "you</a> in the Kith directory: they run payroll, and many give contracts, "
            "insurance and advice when things go wrong.",
            "User-led organisations and peer supporters have employed PAs themselves; "
            f'<a href="{PEER_BROKERAGE_SEARCH}">find one near you</a>. Your council\'s '
            "direct payments team can also help.",
        ),
    ],
    easy_read="easy-read-employing-a-pa",
)

BROKERAGE = InfoPage(
    "brokerage-routes",
    "Getting help to plan: brokerage routes",
    "Who can help you make your support plan and set it up, and what each route is like.",
    [
        p(
            "Support brokerage means help to work out what you want, make a plan, find the "
            "support and set it up. You can choose who helps; on Kith your plan records "
            "the route you chose."
        ),
        h("Doing it yourself, with family or friends"),
        p(
            "You know your life best, and nobody waits for an appointment. It can take "
            "time and energy, and it helps to have someone to talk things over with."
        ),
        h("Your social worker or care coordinator"),
        p(
            "They know the council's rules and can agree the plan. They may have many "
            "people to see, so things can take longer than you hope."
        ),
        h("Peer brokerage from a user-led organisation"),
        p(
            "A peer broker has used a personal budget or services themselves. In "
            "Stockport's mental-health pilot, people who worked with peer brokers valued "
            "talking to someone who had been there. Peer brokers know local groups and "
            "clubs well.",
            f'<a href="{PEER_BROKERAGE_SEARCH}">Find peer brokerage near you</a>. Your '
            "practitioner can refer you through Kith.",
        ),
        h("An independent broker"),
        p(
            "Independent brokers are paid (often from the budget) and work for you, not "
            "the council or a provider. Check their fee and what it covers before you "
            f'start. <a href="{BROKERAGE_SEARCH}">Find independent brokerage</a>.'
        ),
        h("A provider"),
        p(
            "A provider can plan with you, especially if it will hold your budget as an "
            "individual service fund. Ask how it would help you use other services too."
        ),
    ],
)

SUPPORT_PLAN = InfoPage(
    "making-a-support-plan",
    "Making a support plan",
    "How to write a plan that is about your life, with real examples of what people chose.",
    [
        p(
            "Your support plan says what you want to achieve, how your budget will help, "
            "and who will do what. The council has to agree it, but it is your plan, in "
            "your words."
        ),
        h("Start with what matters to you"),
        p(
            ul(
                "What does a good week look like? What would you like to do that you cannot now?",
                "What keeps you well, and what has helped before?",
                "Who is important to you, and who could help?",
            ),
            "Write goals the way you would say them, such as “I want to go swimming again "
            "to get fitter”. Kith suggests services that match goals written like that.",
        ),
        h("What people chose"),
        p(
            "In the evaluation of Stockport's personal-budget pilot for people using "
            "mental-health services, the most common uses were leisure and holidays "
            "(38%), help with everyday tasks (29%), home improvements and cleaning (23%) "
            "and gym or sport (21%). Some examples, retold:",
            ul(
                "A young man spent about £350 on fishing tackle so he could fish with his "
                "dad again. It rebuilt his family ties, and within a year he had moved to "
                "his own home.",
                "A woman who had lost confidence because of her weight joined a gym with a "
                "personal trainer; her health and her social life both grew.",
                "A man bought a mountain bike and now rides with friends at Reddish Vale.",
                "Someone who felt they would stick out at college bought a computer and "
                "took a course online first, then went on to further study.",
                "Another person joined a community allotment, met neighbours outside mental "
                "health services, and started a college course.",
            ),
            "None of these is a “service” in the usual sense. Each met an outcome in a "
            "plan, for less than traditional support would have cost.",
        ),
        h("Plan for the unexpected"),
        p(
            "Say what should happen if your PA is ill, or if you become unwell: who to "
            "call, who can step in, and what helps. Researchers found that plans often "
            "took months, so agree what support continues while yours is being made."
        ),
        h("Help with planning"),
        p(
            "You can ask a practitioner, a peer broker or an independent broker to help "
            '(see <a href="/help/brokerage-routes/">brokerage routes</a>), or '
            f'<a href="{SUPPORT_PLANNING_SEARCH}">find support planning near you</a>. '
            'On Kith, <a href="/plan/">My plan</a> keeps your goals, budget and choices '
            "in one place."
        ),
    ],
    easy_read="easy-read-support-plan",
)

GLOSSARY = InfoPage(
    "glossary",
    "Words we use",
    "Plain meanings of the words you meet in care and support.",
    [
        term(
            "Personal budget",
            "Money the council agrees you need for your care and support.",
        ),
        term(
            "Direct payment",
            "A personal budget paid to you (or someone for you) so you arrange support yourself.",
        ),
        term(
            "Managed account",
            "The council holds your budget and pays for the support you choose.",
        ),
        term(
            "Individual service fund",
            "A provider holds your budget and plans your support with you.",
        ),
        term(
            "Personal health budget",
            "Money from the NHS for health needs, used in a similar way.",
        ),
        term(
            "Support plan",
            "Your plan for what you want to achieve and how your budget will help.",
        ),
        term("Outcome", "Something you want to achieve, like getting out more or staying well."),
        term(
            "Personal assistant (PA)",
            "Someone employed, often by you, to support you in the way you choose.",
        ),
        term("Provider", "An organisation that sells care, support or activities."),
        term(
            "User-led organisation (ULO)",
            "A group run by disabled people or people who use services, for others like them.",
        ),
        term(
            "Brokerage",
            "Help to work out what you want, plan it and set it up.",
        ),
        term(
            "Peer broker",
            "A broker who has used support or a personal budget themselves.",
        ),
        term(
            "Representative",
            "Someone you name, such as a family member or advocate, who can act for you on Kith.",
        ),
        term(
            "Practitioner",
            "A social worker, care coordinator or similar professional helping with your plan.",
        ),
        term(
            "Needs assessment",
            "The council's conversation with you about what you need help with.",
        ),
        term(
            "Payroll service",
            "A company that works out your PA's pay, tax and payslips for you.",
        ),
        term(
            "Employer's liability insurance",
            "Insurance an employer must have in case an employee is hurt at work.",
        ),
    ],
)

EASY_READ = InfoPage(
    "easy-read",
    "Easy read",
    "Key pages in easy read: short sentences, one idea on each line.",
    [lines("These pages use short sentences.", "Each line has one idea.")],
    children=[
        InfoPage(
            "easy-read-personal-budgets",
            "Easy read: personal budgets and direct payments",
            "Money for your support, and how you can get it.",
            [
                lines(
                    "A personal budget is money for your support.",
                    "The council works out how much.",
                    "You can get the money yourself.",
                    "This is called a direct payment.",
                    "Or the council can look after the money for you.",
                    "Or a provider can look after the money for you.",
                    "You choose what works for you.",
                    "You can change your mind later.",
                    "You must keep the money in its own bank account.",
                    "You must keep your receipts.",
                    "Someone can help you do this.",
                ),
            ],
            easy_read="personal-budgets-and-direct-payments",
        ),
        InfoPage(
            "easy-read-employing-a-pa",
            "Easy read: employing a personal assistant",
            "What you need to do if you pay a PA.",
            [
                lines(
                    "A PA is a personal assistant.",
                    "A PA helps you in the way you want.",
                    "If you pay a PA, you are their boss.",
                    "This is called being an employer.",
                    "Your PA needs a contract.",
                    "A contract says their pay and hours.",
                    "Your PA must get paid holiday.",
                    "You need insurance in case your PA gets hurt at work.",
                    "A payroll service can do the pay and tax for you.",
                    f'<a href="{PAYROLL_SEARCH}">Find a payroll service on Kith</a>.',
                ),
            ],
            easy_read="employing-a-personal-assistant",
        ),
        InfoPage(
            "easy-read-support-plan",
            "Easy read: making a support plan",
            "Your plan says what you want and how to get it.",
            [
                lines(
                    "A support plan is your plan.",
                    "It says what you want to do.",
                    "It says how your money will help.",
                    "Use your own words.",
                    "For example: I want to go swimming again.",
                    "One man bought fishing things.",
                    "He went fishing with his dad again.",
                    "That made his life better.",
                    "Say who can help if your PA is ill.",
                    "Someone can help you write your plan.",
                ),
            ],
            easy_read="making-a-support-plan",
        ),
    ],
)

HELP = InfoPage(
    "help",
    "Information and advice",
    "Plain guides to personal budgets, direct payments, employing a PA and planning your support.",
    [
        p(
            "Start with what you need to know. Each guide is short, and the key ones come "
            'in <a href="/help/easy-read/">easy read</a> too. Words you may not know are '
            'explained in <a href="/help/glossary/">words we use</a>.'
        )
    ],
    children=[PERSONAL_BUDGETS, EMPLOYING_A_PA, BROKERAGE, SUPPORT_PLAN, GLOSSARY, EASY_READ],
)

ACCESSIBILITY = InfoPage(
    "accessibility",
    "Accessibility statement",
    "How accessible Kith is, what we know is not right yet, and how to tell us about a problem.",
    [
        p(
            "Kith is for everyone who directs their own support, so it is built to be used "
            "by as many people as possible. You should be able to:",
            ul(
                "use every page without JavaScript;",
                "zoom to 400% without text spilling off the screen;",
                "move around using only a keyboard or switch, with a visible focus;",
                "use a screen reader, with headings, labels and links that make sense alone;",
                "read pages written in plain English, with easy-read versions of key guides.",
            ),
        ),
        h("How accessible Kith is"),
        p(
            "We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. "
            "Pages are checked with automated accessibility tools and by hand."
        ),
        h("What we know is not right yet"),
        p(
            ul(
                "The map on the search results needs a mouse or touch to move around; "
                "the same results are always listed in text below it.",
                "Documents uploaded by providers (such as PDFs) may not be accessible.",
            )
        ),
        h("Tell us about a problem"),
        p(
            'If something does not work for you, <a href="/contact/">contact us</a> and '
            "say which page and what happened. We aim to reply within 5 working days.",
            "If you are not happy with our reply, contact the Equality Advisory and "
            "Support Service (EASS).",
        ),
        h("How we made this statement"),
        p("This statement was prepared in November 2026 and is reviewed with every release."),
    ],
)

TOP_LEVEL = [HELP, ACCESSIBILITY]


def _body_json(body: list[dict]) -> str:
    return json.dumps(body)


def _ensure(spec: InfoPage, parent, created: dict) -> None:
    from cms.models import InformationPage

    page = InformationPage.objects.child_of(parent).filter(slug=spec.slug).first()
    if page is None:
        page = InformationPage(
            title=spec.title, slug=spec.slug, summary=spec.summary, body=_body_json(spec.body)
        )
        parent.add_child(instance=page)
        page.save_revision().publish()
        created[spec.slug] = page
    for child in spec.children:
        _ensure(child, page, created)


def _all(specs: list[InfoPage]):
    for spec in specs:
        yield spec
        yield from _all(spec.children)


@transaction.atomic
def ensure_information_pages() -> int:
    """Create the information pages that are missing; answers how many were created."""
    from cms.models import HomePage, InformationPage

    home = HomePage.objects.first()
    if home is None:
        return 0
    created: dict = {}
    for spec in TOP_LEVEL:
        _ensure(spec, home, created)
    # Link each new key page and its easy-read version both ways.
    for spec in _all(TOP_LEVEL):
        page = created.get(spec.slug)
        if page is not None and spec.easy_read:
            other = InformationPage.objects.filter(slug=spec.easy_read).first()
            if other is not None:
                InformationPage.objects.filter(pk=page.pk).update(easy_read_page=other)
    return len(created)
