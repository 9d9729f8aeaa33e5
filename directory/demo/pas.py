# ruff: noqa: E501 -- prose and price tables read best unbroken.
"""Words for demo personal assistants: names, languages, skills and experience.

PAs are individuals, so a listing names them by first name and initial only,
and their base postcode is shown as a sector (the model does that). First
names come in groups that carry the languages a PA from that background might
offer, as Greater Manchester's PAs do: Urdu, Punjabi, Bengali, Polish,
Arabic, Somali and others.
"""

from __future__ import annotations

# Groups of first names: weight | gender ("-": varies) | languages besides English | names.
NAME_TABLE = """
8 | female | - | Sarah Joanne Karen Lisa Emma Rachel Claire Gemma Michelle Nicola Dawn Tracy Helen Louise Hannah Chloe Jade Becky Sophie Laura Kirsty Janet Linda Sue Jackie Angela Maxine Bev Leanne Stacey Kelly Donna Julie Amy Natalie Katie
4 | male | - | Paul Mark Darren Gary Lee Craig Steve Dave Chris Tom Ryan Jamie Dan Carl Neil Ian Kevin Wayne Jason Rob Liam Connor Adam Matt
1 | - | - | Sam Alex Jordan Charlie Robin
2 | female | ur pa | Aisha Fatima Samina Nazia Shazia Rukhsana Sana Farah Saima Uzma
1 | male | ur pa | Imran Tariq Asif Zahid Bilal Hamza Kashif Adeel
0.8 | - | pa hi | Amandeep Harpreet Gurpreet Jaspreet Manjit
0.5 | - | gu hi | Priya Hetal Nisha Rajesh Kiran
1 | - | bn | Rahima Shahana Nasrin Ruksana Abdul Rashid Jamal
1.2 | - | pl | Agnieszka Magda Kasia Ewa Marta Tomasz Piotr Pawel
0.6 | - | ar | Mariam Layla Huda Omar Yusuf
0.6 | - | so | Hodan Amina Ayaan Fadumo Abdi Mohamed
0.3 | - | ro | Ioana Elena Andrei
0.3 | female | uk | Olena Oksana Iryna
"""


def _name_groups(table: str) -> list[tuple[tuple[str, ...], str, tuple[str, ...], float]]:
    groups = []
    for line in table.strip().splitlines():
        weight, gender, languages, names = (cell.strip() for cell in line.split("|"))
        groups.append(
            (
                tuple(names.split()),
                "" if gender == "-" else gender,
                () if languages == "-" else tuple(languages.split()),
                float(weight),
            )
        )
    return groups


# (first names, gender, languages offered besides English, weight)
NAME_GROUPS = _name_groups(NAME_TABLE)

# In the groups marked "-", names that are a man's name, and names anyone may have.
MALE_NAMES = set(
    """
Imran Tariq Asif Zahid Bilal Hamza Kashif Adeel Abdul Rashid Jamal Tomasz Piotr Pawel Omar
Yusuf Abdi Mohamed Andrei Rajesh
""".split()
)

UNISEX_NAMES = set(
    "Sam Alex Jordan Charlie Robin Amandeep Harpreet Gurpreet Jaspreet Manjit Kiran".split()
)

INITIALS = "ABCDEFGHJKLMNOPRSTW"

BSL_SKILL = "British Sign Language (level 2)"

SKILLS = (
    "personal care",
    "medication prompts",
    "cooking and meal planning",
    "shopping",
    "driving to appointments",
    "support at the gym or swimming",
    "going to social activities",
    "household tasks",
    "help with letters and budgeting",
    "moving and handling (hoist trained)",
    "PEG feeding",
    "epilepsy care including buccal midazolam",
    "autism support",
    "supporting people with learning disabilities",
    "mental health support",
    "dementia care",
    BSL_SKILL,
    "catheter and stoma care",
    "supporting college or work",
    "gardening",
    "walking and getting outdoors",
    "arts and crafts",
)

EXPERIENCE = (
    "{years} years supporting adults with learning disabilities in supported living and at home.",
    "{years} years as a PA for a wheelchair user, including personal care and travel.",
    "Former healthcare assistant at Stepping Hill Hospital; {years} years as a PA since.",
    "{years} years in mental health support, including a recovery team and a crisis house.",
    "{years} years caring for older people with dementia, at home and in a day centre.",
    "Worked {years} years for a home care agency before going self-employed as a PA.",
    "Looked after my own mum for {years} years; now a PA for two local people.",
    "{years} years supporting autistic young adults with college, travel and independence.",
    "{years} years as a support worker, then a PA for a man with a spinal injury.",
    "Qualified nurse (retired) with {years} years' experience; happy to do a few hours a week.",
)

SUMMARIES = (
    "Friendly, reliable PA offering help at home and getting out and about in {place}.",
    "Experienced PA: personal care, cooking and support to do the things you enjoy.",
    "Patient and calm PA who can help you get active: walks, the gym and swimming.",
    "PA with a car, happy to drive you to appointments, shops and activities.",
    "Flexible PA for a few hours a week or more, mornings, evenings or weekends.",
    "Caring PA with mental health experience, supporting people to stay well and get out.",
    "Local PA who can help with everyday tasks, meals, letters and going out.",
)

PARAGRAPHS = (
    "I like to get to know the person first, so I always offer a meeting over a cup of tea before we agree anything.",
    "I can support you at the gym, swimming, on walks or at classes, and I'm happy to join in.",
    "I am self-employed and have my own public liability insurance. I can give references from people I support now.",
    "I'm happy to be employed directly and to use a payroll service, or to invoice you as self-employed.",
    "I'm reliable and I never cancel at short notice. If I'm away I help you arrange cover.",
    "I have a clean driving licence and my own car with business insurance.",
    "I speak {languages} as well as English.",
    "I have worked with people with physical disabilities, learning disabilities and mental health needs.",
    "I enjoy cooking, being outdoors and a good chat. Above all I want you to be in charge of your own support.",
)

AVAILABILITY = (
    "Weekday mornings, 8am–1pm.",
    "Evenings and weekends.",
    "Term time only, 9.30am–2.30pm.",
    "Flexible, including some overnights.",
    "Mon–Fri daytime; occasional Saturdays.",
    "Tuesdays, Thursdays and Fridays.",
    "Mornings and early evenings, seven days.",
)

# (fewest, most) hours a week a PA wants.
HOURS = ((2, 10), (4, 16), (5, 20), (10, 30), (16, 37), (8, 25), (3, 12))

LANGUAGE_NAMES = {
    "ur": "Urdu",
    "pa": "Punjabi",
    "hi": "Hindi",
    "gu": "Gujarati",
    "bn": "Bengali",
    "pl": "Polish",
    "ar": "Arabic",
    "so": "Somali",
    "ro": "Romanian",
    "uk": "Ukrainian",
    "bsl": "British Sign Language",
}
