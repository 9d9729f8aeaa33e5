# ruff: noqa: E501 (one goal a line reads better than wrapped lines)
"""Goals written the way people talk, with the categories a practitioner would accept.

Drawn from the Stockport mental-health personal-budget pilot's account of
what people bought (support workers and PAs, socialising, holidays, day
trips, cinema and eating out, home improvements, domestic help, gym, horse
riding, computing, courses, transport), from the other studies of
self-directed support (carers, support planning, brokerage) and from what
budget holders said they needed. They include typos, long rambling
sentences, carers speaking for themselves or for the person, negation, and
goals in the simple English of people whose first language is not English.

Format, one goal a line: ``text | accepted categories | rejected categories``.
A goal is a hit when one of the first three categories the engine looks for
is accepted and none of them is rejected (e.g. "I do not want to go to a
club" must not look for clubs).

The split is fixed by a hash of the text (``split_of``): about 60% is the
development part that the phrase rules were tuned on, and the rest is a
test part that was written before any tuning and is only ever measured.
The goals quoted in Kith's issue 16 are always in the development part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# The goals quoted in issue 16: always tuned on, so always development.
ISSUE_GOALS = """
Id like to go swiming with my freind on a tuesday | swimming social-activities-support |
Feeling very low and anxious, I dont want to end up back on the ward | peer-support support-worker wellness |
Someone to take me to my hospital appointments | transport support-worker personal-assistant |
I would like to play bowls again | sports-activities leisure-activities membership-fees |
My husband has dementia and I am exhausted, I need a rest | respite holiday-short-break | childcare
I want to go to the mosque for Friday prayers | transport social-activities-support personal-assistant |
somebody to help me plan how to use my budget | support-planning peer-brokerage independent-brokerage |
start my own small business | enterprise |
a PA who can drive me to the shops | personal-assistant transport | driving-lessons
I do not want to go to a club | social-activities-support personal-assistant days-out support-worker | leisure-activities membership-fees
a break for my daughter who looks after me | respite holiday-short-break | childcare domestic-help
"""

GOALS = """
I want to go to the gym but I am scared to go on my own | gym-membership social-activities-support sports-activities personal-assistant |
get fit again, I put on a lot of weight with my tablets | gym-membership sports-activities swimming |
I used to ride horses when I was young and I would love to do it again | sports-activities leisure-activities |
horse riding lessons twice a week | sports-activities leisure-activities |
I want to learn to read properly so I can be more independent | education-courses |
learn to drive so I dont have to rely on people for lifts | driving-lessons |
I have a phobia of buses and need another way to get about | transport driving-lessons personal-assistant |
a computer so I can do a course from home because I dont want to go into a college yet | computing education-courses |
I havent been on holiday for nine years, I would love to go away | holiday-short-break |
a camera so I can do photography again | arts education-courses |
help to decorate my flat, it has bad memories and I want it to feel like mine again | home-improvements |
new carpets and decorating | home-improvements |
someone to help me keep on top of the housework | domestic-help personal-assistant |
a cleaner once a week because I cant manage the hoovering any more | domestic-help |
my garden is a jungle and I cant do it myself | gardening domestic-help |
help with the garden | gardening |
I would like to go to the cinema and maybe eat out now and then | leisure-activities social-activities-support |
go for a meal out with someone | social-activities-support leisure-activities personal-assistant |
days out to the seaside | days-out holiday-short-break |
a day trip to the Lake District | days-out |
someone to go with me to social events because I get too anxious to go alone | social-activities-support support-worker personal-assistant |
support to go to social things | social-activities-support |
I would like a support worker to help me with letters and bills | support-worker personal-assistant |
a personal assistant to help me in the mornings | personal-assistant |
help getting up, washed and dressed | personal-assistant support-worker |
I need help with my medication and to remember appointments | support-worker personal-assistant |
I want to keep well and not go back into hospital | support-worker peer-support |
stay out of hospital this year | support-worker peer-support |
when I start to get unwell I need someone to talk to before it gets bad | peer-support support-worker wellness |
talk to other people who hear voices | peer-support |
a group where people understand what depression is like | peer-support |
I want to meet other people with bipolar | peer-support social-activities-support |
somewhere to go where nobody judges me | peer-support social-activities-support |
I get panic attacks and want to learn to manage them | wellness peer-support education-courses |
something to help me relax and sleep better | wellness |
aromatherapy and massage to help with my stress | wellness |
reflexology | wellness |
I would like to try mindfulness | wellness education-courses |
counselling | wellness peer-support |
art classes to help my mood | arts |
I love painting and drawing | arts |
I want to join a pottery class | arts |
knitting group | arts social-activities-support leisure-activities |
sewing lessons | arts education-courses |
I used to play the piano and want to start again | music |
music lessons for the drums | music |
join a singing group | music |
learn to play guitar | music education-courses |
go to concerts and gigs | leisure-activities music |
fishing tackle so I can go fishing with my brother | fishing |
join an angling club | fishing membership-fees |
an allotment to grow my own veg | gardening |
go walking in the countryside with a group | sports-activities social-activities-support |
a walking group for people like me | sports-activities social-activities-support peer-support |
I want to start running | sports-activities |
swimming lessons, I never learned as a child | swimming |
go to the baths on a Sunday | swimming |
aqua aerobics | swimming sports-activities |
I want to lose weight and be healthier | gym-membership sports-activities education-courses |
a gym membership | gym-membership |
a personal trainer | gym-membership sports-activities |
play football with a team again | sports-activities |
tennis lessons | sports-activities |
I would like to do boxing to get my anger out | sports-activities gym-membership |
a bike so I can get to work and keep fit | cycling |
I want to go cycling at weekends | cycling |
a tricycle because I cant balance on a normal bike | cycling |
a bus pass or help with bus fares | transport |
taxi fares to get to my group | transport |
someone to drive me to visit my mum in the care home | transport personal-assistant |
help with travel to the day centre | transport |
I want to learn how to use the bus on my own | transport support-worker personal-assistant |
driving lessons | driving-lessons |
I want to pass my driving test | driving-lessons |
help to get a job | enterprise education-courses support-worker |
I want to go back to work but I am scared | enterprise education-courses support-worker |
find some voluntary work | enterprise peer-support |
I would like to volunteer at a charity shop | enterprise |
set up a small cake business from home | enterprise |
become self employed as a gardener | enterprise |
I want to be a peer mentor and help others | peer-support |
help others who have been through what I have been through | peer-support |
do an English course | education-courses |
go to college to do maths | education-courses |
a course at the recovery college | education-courses peer-support |
I want to learn first aid | education-courses |
learn how to use the internet and email | computing education-courses |
a laptop to keep in touch with my family | computing |
a tablet so I can video call my grandchildren | computing |
a new phone so I can stay in touch | computing |
learn to cook proper meals | education-courses personal-assistant |
help with shopping and cooking | personal-assistant domestic-help support-worker |
somebody to do my shopping | personal-assistant domestic-help |
help with ironing and washing | domestic-help |
the house needs adapting so I can get about in my wheelchair | home-improvements |
a new bed and a stairlift | home-improvements |
fix the kitchen | home-improvements |
clothes that fit me properly because of my disability | specialist-clothing |
special shoes | specialist-clothing |
childcare so I can go to my appointments | childcare |
a childminder after school | childcare |
help to pick my daughter up from school | childcare transport personal-assistant |
I want to spend more time with my children and do things together | days-out childcare |
days out with my grandchildren | days-out |
family days out | days-out |
a holiday with my family | holiday-short-break |
a short break away | holiday-short-break respite |
a weekend away in a caravan | holiday-short-break |
go to Blackpool for a few days | holiday-short-break days-out |
respite | respite |
my mum needs a rest from looking after me | respite holiday-short-break | childcare
my wife is worn out from caring for me and needs time to herself | respite holiday-short-break | childcare
I look after my son who has autism and I need a break | respite holiday-short-break | childcare
I care for my husband 24/7 and I never get a minute to myself | respite holiday-short-break | childcare
someone to sit with my dad so I can go out | respite personal-assistant | childcare
a sitting service for my mother | respite |
my son looks after me and he is exhausted | respite holiday-short-break | childcare
I am a carer and I need some time for me | respite holiday-short-break | childcare
as his carer I want him to have a PA so I can go back to work | personal-assistant |
my daughter has learning disabilities and she wants to make friends | social-activities-support leisure-activities |
my brother wont leave the house, he needs someone to help him get out | social-activities-support support-worker personal-assistant |
he likes trains and buses, he would love days out | days-out transport |
mum gets lonely since dad died and would like company | social-activities-support leisure-activities |
my husband used to love fishing before his stroke | fishing |
she needs help with personal care in the evening | personal-assistant support-worker |
I need someone to help me manage my direct payment | payroll-and-employment-support support-planning independent-brokerage |
help with payroll for my PA | payroll-and-employment-support |
I want to employ my own PA but dont know how | payroll-and-employment-support personal-assistant |
someone to help me write my support plan | support-planning peer-brokerage independent-brokerage |
a broker to help me sort out my plan | independent-brokerage peer-brokerage support-planning |
I want an advocate for my review meeting | advocacy |
someone to speak up for me with social services | advocacy |
help to fight a decision about my benefits | advocacy |
I feel so lonely since I moved here | social-activities-support leisure-activities |
I want to make some friends my own age | social-activities-support leisure-activities |
get out of the house more | social-activities-support days-out |
I am stuck indoors all day | social-activities-support days-out personal-assistant |
join a club for people who like board games | leisure-activities membership-fees social-activities-support |
go to a lunch club | social-activities-support leisure-activities |
dancing | leisure-activities sports-activities |
go to the football at Old Trafford | leisure-activities |
a season ticket for County | leisure-activities membership-fees |
go to the theatre | leisure-activities |
go to the library and reading group | leisure-activities social-activities-support education-courses |
bingo with my friends | leisure-activities social-activities-support |
I want to go to church on Sundays but I cant get there | transport social-activities-support personal-assistant |
visit the temple with my family | transport days-out |
I want to try new things and get my confidence back | education-courses social-activities-support leisure-activities |
building my confidence | education-courses social-activities-support |
I dont want a care agency, I want my own PA | personal-assistant | support-worker
I dont want to go to a day centre anymore, I want to do normal things | leisure-activities social-activities-support days-out |
not a gym, I want to swim | swimming | gym-membership
I want to get fit but not in a gym | sports-activities swimming cycling | gym-membership
no more groups please, I would like one to one support | support-worker personal-assistant | peer-support
I do not want to go to the seaside, I want a city break | holiday-short-break days-out |
I don't want cleaning, I want help going out | social-activities-support personal-assistant days-out | domestic-help
I would like to see my friends but I dont want to go to the pub | social-activities-support |
im not good with computers but want to email my son | computing education-courses |
I want to go swimmin | swimming |
helpp with my cleeaning | domestic-help |
I want to go fishin with my mate | fishing |
i need a brake from caring for my wife | respite holiday-short-break | childcare
gardning | gardening |
I wanna learn to paint | arts |
drivng lesons | driving-lessons |
peer suport group | peer-support |
a persnal assistant | personal-assistant |
go to the jym | gym-membership |
acomodation for a holliday | holiday-short-break |
I would like to do yoga | wellness sports-activities |
tai chi for my balance | sports-activities wellness |
pilates | sports-activities wellness |
my physio said I should do more exercise | sports-activities gym-membership swimming |
I have arthritis and want to keep moving | sports-activities swimming gym-membership |
after my operation I need to build my strength up | gym-membership sports-activities swimming |
I want to eat better, I live on takeaways | education-courses personal-assistant |
I want to stop drinking and stay stopped | peer-support support-worker |
support for my recovery from addiction | peer-support |
I want to move into my own flat and live on my own | support-worker personal-assistant |
help to manage my money and pay my bills | support-worker |
Since my breakdown last year I have not been able to do much at all and I would like to slowly start doing things again like going into town and maybe a class | social-activities-support education-courses support-worker leisure-activities |
I have been in and out of hospital for years and what I really need is someone regular who knows me and can see when I am getting poorly and help me before it gets to crisis | support-worker peer-support |
Since the kids left home the house is too quiet and I want to get out and meet people and maybe do something useful like volunteering | social-activities-support enterprise leisure-activities |
I used to be a chef before I got ill and I would really like to get back into cooking, maybe even get a job in a kitchen one day | enterprise education-courses |
My anxiety is really bad on buses and I have missed lots of appointments, if I could get taxis I would not miss them | transport |
I would really like to go on holiday with my friend from the group because I have never been abroad and I think it would do me good | holiday-short-break |
My flat is a mess and I feel ashamed to let anyone in, I would like help to clear it and clean it and then keep it nice | domestic-help home-improvements |
I need someone who speaks Urdu to help me at home | personal-assistant support-worker |
I want a PA who speaks Polish | personal-assistant |
My english is not good. I want learn english | education-courses |
I want go out, meet people, my english is little | social-activities-support education-courses |
please help me for cleaning my house | domestic-help |
I want woman helper for bath and dress | personal-assistant support-worker |
I like go to garden and grow vegetable | gardening |
I want take my children to park on weekend | days-out childcare |
My husband is sick, I am tired, I need rest | respite holiday-short-break | childcare
I want learn to drive car | driving-lessons |
I want job in shop | enterprise education-courses |
I need help fill forms and read letters | support-worker advocacy |
I want to go mosque but I cannot walk far | transport personal-assistant |
I want exercise for women only | sports-activities gym-membership swimming |
I want to go Chinese community centre to meet people | social-activities-support leisure-activities |
help me go to doctor and hospital | transport support-worker personal-assistant |
I want computer class in Bengali | computing education-courses |
I want to see my family in Leeds by train | transport |
I would like to sing in a gospel choir | music |
help for my son to go to the youth club | social-activities-support leisure-activities |
someone to take my daughter swimming | swimming personal-assistant |
I would like to go to Manchester United matches with a support worker | leisure-activities support-worker social-activities-support |
a membership at the leisure centre | gym-membership membership-fees swimming |
to be able to go to the pub quiz without panicking | social-activities-support leisure-activities |
learn British Sign Language | education-courses |
a course in gardening | gardening education-courses |
to do a pottery course at college | arts education-courses |
I want to write a book | education-courses arts |
buy a keyboard and have lessons | music |
a weekend at a music festival | leisure-activities holiday-short-break |
go camping | holiday-short-break days-out |
I want to visit my sister in Scotland | holiday-short-break transport |
a trip to London to see the sights | days-out holiday-short-break |
go bowling with friends | leisure-activities sports-activities |
climbing wall | sports-activities |
I want to do a parkrun | sports-activities |
a support worker to take me out twice a week | support-worker social-activities-support |
need someone to help with my post and phone calls | support-worker personal-assistant |
a PA for three hours on a Saturday | personal-assistant |
overnight support when I am unwell | support-worker |
back up cover when my PA is off sick | personal-assistant |
I get confused with my tablets and need someone to check | support-worker personal-assistant |
help to move house | support-worker domestic-help |
get my boiler fixed | home-improvements |
a grab rail and a walk in shower | home-improvements |
someone to cut the grass in summer | gardening |
a dog walker because I cannot walk my dog | personal-assistant domestic-help |
I want to join the WI | membership-fees social-activities-support leisure-activities |
join the local history society | membership-fees leisure-activities social-activities-support |
go to a knit and natter | social-activities-support arts leisure-activities |
a befriender to visit me | social-activities-support |
company for my dad, he does not see anyone from one week to the next | social-activities-support |
my partner has MS and we both need a holiday | holiday-short-break respite |
I want to go to a carers group to talk to other carers | peer-support | childcare
time out from looking after my grandson | respite | childcare
"""

SPLIT_PERCENT_DEV = 60


@dataclass(frozen=True)
class EvalGoal:
    text: str
    accepted: frozenset[str]
    rejected: frozenset[str]
    split: str  # "dev" or "test"


def split_of(text: str) -> str:
    """A fixed split by a hash of the words: the same goal is always in the same part."""
    bucket = int(hashlib.sha256(text.encode()).hexdigest(), 16) % 100
    return "dev" if bucket < SPLIT_PERCENT_DEV else "test"


def _parse(block: str, forced_split: str | None = None) -> list[EvalGoal]:
    goals = []
    for line in block.strip().splitlines():
        text, accepted, rejected = (part.strip() for part in line.split("|"))
        goals.append(
            EvalGoal(
                text=text,
                accepted=frozenset(accepted.split()),
                rejected=frozenset(rejected.split()),
                split=forced_split or split_of(text),
            )
        )
    return goals


EVAL_GOALS: list[EvalGoal] = _parse(ISSUE_GOALS, "dev") + _parse(GOALS)


def goals_in(split: str) -> list[EvalGoal]:
    return [goal for goal in EVAL_GOALS if goal.split == split]
