"""A golden set of realistic goals with what a practitioner would expect.

Drawn from what people bought in the personal-budget pilots
(shared/domain/VOCABULARY.md) and what they said they needed (NEEDS.md).
Each entry: the goal in a person's words, the outcomes and the categories a
practitioner would file it under. Used by the quality test and the benchmark.
"""

GOLDEN_GOALS: list[tuple[str, set[str], set[str]]] = [
    (
        "I'd like to go swimming again and meet people",
        {"physical-health", "social-inclusion"},
        {"swimming", "social-activities-support", "leisure-activities"},
    ),
    ("Help with cleaning twice a week", {"independent-living"}, {"domestic-help"}),
    (
        "A few days away at the seaside with my sister",
        {"social-inclusion", "family-and-relationships", "mental-wellbeing"},
        {"holiday-short-break", "days-out"},
    ),
    (
        "I want to get fitter and lose weight",
        {"physical-health"},
        {"gym-membership", "sports-activities"},
    ),
    (
        "Learn to use a computer so I can email my grandchildren",
        {"skills-and-learning", "family-and-relationships"},
        {"computing", "education-courses"},
    ),
    ("Go fishing again like I used to with my dad", {"mental-wellbeing"}, {"fishing"}),
    (
        "My wife needs a break from caring for me",
        {"carer-break"},
        {"respite", "holiday-short-break"},
    ),
    (
        "Get out of the house more, I feel lonely",
        {"social-inclusion"},
        {"social-activities-support", "days-out", "leisure-activities"},
    ),
    (
        "A gym membership so I can exercise three times a week",
        {"physical-health"},
        {"gym-membership", "sports-activities"},
    ),
    (
        "Someone to help me with shopping and cooking",
        {"independent-living"},
        {"personal-assistant", "domestic-help", "education-courses"},
    ),
    ("I want to go to an art class", {"mental-wellbeing"}, {"arts"}),
    ("Talk to people who have been through what I have", {"recovery"}, {"peer-support"}),
    (
        "Go on a course at the recovery college",
        {"recovery", "skills-and-learning"},
        {"education-courses", "peer-support"},
    ),
    (
        "Driving lessons so I can get to work",
        {"getting-around", "employment"},
        {"driving-lessons", "transport"},
    ),
    ("I want to start my own business making cakes", {"employment"}, {"enterprise"}),
    (
        "Do some volunteering to help others",
        {"giving-back", "employment"},
        {"enterprise", "peer-support"},
    ),
    (
        "Yoga to help with my stress",
        {"mental-wellbeing", "physical-health"},
        {"wellness", "sports-activities"},
    ),
    (
        "Join a walking group",
        {"physical-health", "social-inclusion"},
        {"sports-activities", "social-activities-support", "leisure-activities"},
    ),
    (
        "A PA to help me get washed and dressed in the mornings",
        {"independent-living"},
        {"personal-assistant", "support-worker"},
    ),
    (
        "Sort out my garden so I can sit outside",
        {"independent-living", "mental-wellbeing"},
        {"gardening"},
    ),
    ("Help to stay well and out of hospital", {"staying-well"}, {"support-worker", "peer-support"}),
    ("Join a choir", {"social-inclusion", "mental-wellbeing"}, {"music"}),
    (
        "Learn to play the guitar",
        {"skills-and-learning", "mental-wellbeing"},
        {"music", "education-courses"},
    ),
    ("A taxi account so I can get to my appointments", {"getting-around"}, {"transport"}),
    ("A bike so I can cycle to the shops", {"getting-around", "physical-health"}, {"cycling"}),
    (
        "Build my confidence to try new things",
        {"confidence"},
        {"education-courses", "social-activities-support", "leisure-activities"},
    ),
    (
        "Childcare so I can go to college",
        {"family-and-relationships", "skills-and-learning"},
        {"childcare", "education-courses"},
    ),
    ("Somebody to help me with housework and ironing", {"independent-living"}, {"domestic-help"}),
    (
        "Days out with a support worker",
        {"social-inclusion"},
        {"days-out", "support-worker", "social-activities-support"},
    ),
    ("I want to go to the cinema and the theatre", {"social-inclusion"}, {"leisure-activities"}),
    ("Peer support for my anxiety", {"recovery", "mental-wellbeing"}, {"peer-support", "wellness"}),
    ("Help with decorating my flat", {"independent-living"}, {"home-improvements"}),
    (
        "Help to plan my support with someone who has been there",
        {"independent-living", "recovery"},
        {"support-planning", "peer-brokerage", "peer-support"},
    ),
    (
        "An advocate to speak up for me at meetings",
        {"confidence", "independent-living"},
        {"advocacy"},
    ),
    (
        "Help with payroll to employ a PA",
        {"independent-living"},
        {"payroll-and-employment-support", "personal-assistant"},
    ),
    ("Swimming lessons for my health", {"physical-health"}, {"swimming"}),
    (
        "A short break for my mum who cares for me",
        {"carer-break"},
        {"holiday-short-break", "respite"},
    ),
    ("Massage therapy to relax", {"mental-wellbeing"}, {"wellness"}),
    (
        "Learn to cook healthy meals",
        {"physical-health", "skills-and-learning", "independent-living"},
        {"education-courses", "personal-assistant"},
    ),
    (
        "Go to football matches with friends",
        {"social-inclusion"},
        {"leisure-activities", "social-activities-support", "sports-activities"},
    ),
    ("Get back to work after being ill", {"employment"}, {"enterprise", "education-courses"}),
    (
        "Make new friends at a social club",
        {"social-inclusion", "family-and-relationships"},
        {"social-activities-support", "leisure-activities", "membership-fees"},
    ),
]
