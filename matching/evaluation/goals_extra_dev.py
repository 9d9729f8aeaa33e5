# ruff: noqa: E501 (one goal a line reads better than wrapped lines)
"""More goals in people's own words, always development: never part of the test part.

Written after the development part of ``goals.py`` was tuned to 1.000 (so it
no longer told anything), and committed before any further tuning. They come
from the Stockport mental-health personal-budget pilot's account of what
people bought and said (support workers and PAs for letters, bills, washing
and dressing; holidays after nine years without one; decorating and new
carpets; a shed and seeds for an allotment; fishing tackle to go fishing with
dad; riding lessons; a tennis club; a mountain bike; a laptop for forums and a
computer to talk to friends abroad; literacy tutors; driving lessons instead
of lifts; picking a daughter up from school), from the other studies (carers
who never get a break, peer brokers, advocates at reviews, payroll for PAs)
and from Kith's list of needs. They include typos, long sentences, carers'
voices, "not" and "rather than", and the simple English of people whose
first language is not English.

Same format as ``goals.py``: ``text | accepted categories | rejected categories``.
The split is always "extra": the runner reports them as "development, extra".
"""

from __future__ import annotations

from matching.evaluation.goals import EvalGoal, _parse

EXTRA_SPLIT = "extra"

EXTRA_GOALS = """
i need someone to help me with my letters and bills every week | support-worker personal-assistant advocacy |
help with my post, i cant read it and it piles up | support-worker personal-assistant |
Somebody to come in the mornings to help me get washed and dressed | personal-assistant support-worker |
I want a regular support worker who knows me so I dont go into crisis | support-worker peer-support |
my son needs help to get up and have breakfast before college | personal-assistant support-worker |
help me take my tablets on time | support-worker personal-assistant |
i struggle with my medication and remembering appointments | support-worker personal-assistant |
I want to employ my own PA for a few hours a week | personal-assistant payroll-and-employment-support |
need help with the paperwork for employing my personal assistant, the tax and wages | payroll-and-employment-support |
Who will do the payslips for my carer | payroll-and-employment-support |
I would like a female PA who speaks Punjabi | personal-assistant |
someone to help me do my food shop | personal-assistant domestic-help support-worker |
help with cooking proper meals not just takeaways | personal-assistant education-courses support-worker |
I want to learn to cook for myself since my wife passed away | education-courses personal-assistant |
my flat is a mess and I cant keep on top of it | domestic-help |
a cleaner once a fortnight | domestic-help |
Help with hoovering and changing the beds | domestic-help personal-assistant |
I cant do the washing and ironing anymore because of my back | domestic-help personal-assistant |
someone to cut the grass and tidy the garden | gardening domestic-help |
my garden is overgrown and it gets me down | gardening domestic-help |
I want to decorate my bedroom so it feels like mine again | home-improvements |
new carpets, the old ones are stained and threadbare | home-improvements |
the flat needs doing up, painting the walls | home-improvements |
a fridge freezer and a washing machine because mine broke | home-improvements domestic-help |
grab rails in the bathroom so I can get in the bath safely | home-improvements |
a shed and tools for my allotment | gardening |
seeds, plants and compost to grow veg | gardening |
A week in Blackpool with my family | holiday-short-break days-out |
go to the seaside for the day | days-out holiday-short-break |
a day trip to Chester zoo | days-out leisure-activities |
go to the pictures with someone | leisure-activities social-activities-support |
eat out at a restaurant now and then like normal people do | leisure-activities social-activities-support |
Christmas meal at the pub | leisure-activities social-activities-support |
go and see Stockport County play | leisure-activities sports-activities |
go to London to see the art galleries | days-out holiday-short-break arts |
go to a concert | leisure-activities music |
i love dancing, i want to go to a dance class | sports-activities leisure-activities arts music |
bingo with my mates | leisure-activities social-activities-support |
go to the museum | days-out leisure-activities |
join a gym to lose some weight | gym-membership sports-activities |
I want to get healthy and lose weight, my doctor says i need to | gym-membership sports-activities |
Weights and exercise equipment to lift my mood | gym-membership sports-activities wellness |
horse riding lessons | sports-activities leisure-activities |
I used to ride horses when I was young and I want to again | sports-activities leisure-activities |
go to the stables | sports-activities leisure-activities |
join a tennis club | sports-activities membership-fees |
boxing classes to let off steam | sports-activities gym-membership |
go swimming at the leisure centre | swimming |
learn to swim, I never learned as a kid | swimming |
a mountain bike to get out in the fresh air | cycling |
go cycling with my friends to Reddish Vale | cycling |
golf | sports-activities leisure-activities membership-fees |
martial arts, karate | sports-activities |
Zumba | sports-activities gym-membership |
badminton at the sports centre | sports-activities |
walking group in the countryside | sports-activities social-activities-support days-out |
aromatherapy and massage to help me relax | wellness |
reflexology for my stress | wellness |
mindfulness classes | wellness education-courses peer-support |
meditation to calm my mind | wellness |
a facial and my nails done to feel nice about myself | wellness |
art classes, it gets me out and gives me motivation | arts |
buy a camera to do photography | arts education-courses |
learn to play the piano | music education-courses |
drum lessons | music |
join a choir | music |
creative writing course | education-courses arts |
sewing and knitting group | arts social-activities-support |
drama group | arts leisure-activities |
fishing tackle so I can go fishing with my dad | fishing |
a fishing rod and a licence | fishing |
go angling at the canal | fishing |
a laptop so I can chat on forums with people like me | computing peer-support |
a computer to speak to my friends in Australia | computing |
learn how to use email and video calls | computing education-courses |
i want to do online shopping but I dont know how | computing education-courses |
a smartphone so I can keep in touch with my grandkids | computing |
an ipad for my mum so she can see the family on facetime | computing |
I really want to be able to read | education-courses |
a tutor to help with my literacy | education-courses |
do maths and english at college | education-courses |
study accountancy | education-courses |
a course at university, modules and books | education-courses |
learn a language | education-courses |
improve my english, it is not good | education-courses |
first aid course | education-courses |
taxi to get to my groups because I cant use buses | transport |
a bus pass and someone to help me learn the bus route | transport personal-assistant support-worker |
I get anxious on public transport | transport support-worker personal-assistant |
driving lessons so I dont have to rely on lifts | driving-lessons |
learn to drive | driving-lessons |
help to get to the doctors and the dentist | transport personal-assistant support-worker |
lift to the hospital for my dialysis | transport |
pick my daughter up from school | transport personal-assistant childcare support-worker |
I am lonely since my husband died and I want company | social-activities-support peer-support leisure-activities |
someone to go out with me because I get scared on my own | social-activities-support personal-assistant support-worker |
I dont see anyone all week | social-activities-support leisure-activities peer-support |
help to go to social events, I get too anxious to go alone | social-activities-support support-worker personal-assistant peer-support |
a lunch club for older people | social-activities-support leisure-activities |
coffee mornings | social-activities-support leisure-activities |
to have a chat with people in the community | social-activities-support |
going to the pub quiz with a support worker | social-activities-support support-worker leisure-activities |
get to know people who live round here outside of mental health services | social-activities-support leisure-activities |
talk to people who have been through the same thing | peer-support |
a hearing voices group | peer-support |
I have bipolar and I want to meet others with it | peer-support |
support after coming out of hospital so I dont go back in | support-worker peer-support |
keep well and not have another breakdown | peer-support support-worker wellness |
help when I'm starting to get poorly again | support-worker peer-support |
I want to stay off drink and drugs | peer-support support-worker |
recovery college courses | education-courses peer-support |
I feel lost in a black hole | peer-support wellness support-worker |
my mental health is bad and i want to feel like myself again | peer-support wellness support-worker |
my nerves are bad | peer-support wellness |
become a peer mentor to help others | peer-support |
I want to give something back to my community | enterprise peer-support education-courses social-activities-support |
become a personal coach to help people | enterprise education-courses peer-support |
set up a market stall selling my crafts | enterprise |
money to start a window cleaning round | enterprise |
find a job | enterprise education-courses |
get some work experience | enterprise education-courses |
help writing my CV | enterprise education-courses support-worker |
I dont know what to spend my direct payment on | support-planning peer-brokerage independent-brokerage |
someone who has a budget themselves to help me write my plan | peer-brokerage support-planning |
an independent broker | independent-brokerage |
someone to speak for me at my review meeting | advocacy |
my benefits have been stopped and i need help to appeal | advocacy |
the council are not listening to me | advocacy |
help to sort out my care package | support-planning independent-brokerage peer-brokerage advocacy |
a managed account so someone else pays my PAs | payroll-and-employment-support |
special shoes for my feet | specialist-clothing |
clothes that are easy to put on by myself | specialist-clothing |
a warm coat for winter | specialist-clothing |
pay the fee to join the bowling club | membership-fees sports-activities leisure-activities |
entrance fees for the swimming baths | membership-fees swimming |
a childminder so I can go to my appointments | childcare |
after school club for my son so I can work | childcare |
someone to look after the kids while I go to hospital | childcare |
take my children to the park and days out like other mums | days-out leisure-activities transport |
see my grandchildren more | transport days-out computing |
get back in touch with my family | computing transport days-out |
I look after my wife who has had a stroke and I never get a day off | respite holiday-short-break | childcare
my mum cares for me and she needs a holiday | respite holiday-short-break | childcare
a break for my mum who cares for me | respite holiday-short-break | childcare
someone to sit with dad so I can go shopping | respite personal-assistant | childcare
my son has autism and we as parents need a rest at weekends | respite holiday-short-break |
overnight respite for my brother | respite |
I am a carer and I am at the end of my tether | respite holiday-short-break peer-support | childcare
a carers group to talk to other carers | peer-support respite |
weekend away for my husband and me, we never get time together | holiday-short-break respite |
I don't want a club, I just want someone to go out with | social-activities-support personal-assistant support-worker | leisure-activities membership-fees
not a gym, something gentle like swimming | swimming | gym-membership
I dont want a cleaner, I want help getting out | social-activities-support personal-assistant support-worker days-out | domestic-help
no more day centres, I want a proper job | enterprise education-courses |
I would rather have a PA than an agency support worker | personal-assistant | support-worker
a holiday without my family, just me and a friend | holiday-short-break |
I never want to go back into hospital again | support-worker peer-support |
Not courses, I have done enough of those, I want to do something fun | leisure-activities days-out social-activities-support sports-activities | education-courses
i dont want a taxi, I want to learn to drive myself | driving-lessons | transport
instead of a day centre I want to do gardening | gardening |
I don't want to sit at home all day | social-activities-support days-out leisure-activities |
I do not want strangers in my house, only someone I know as my PA | personal-assistant |
I want go to swim pool with my daughter | swimming |
me need help for shopping and cook | personal-assistant domestic-help support-worker |
my english not good, I want learn | education-courses |
I want somebody speak Polish help me in house | personal-assistant domestic-help |
I am alone all day, no friend here | social-activities-support leisure-activities peer-support |
for my mother, she cannot walk good, need someone drive to doctor | transport personal-assistant |
I like to do sport but I have no money for gym | gym-membership sports-activities membership-fees |
I want make computer course | computing education-courses |
wife very tired, she look after me every day | respite holiday-short-break | childcare
i wud like to go to the jim 3 times a week | gym-membership sports-activities |
help with my cleening and ironning | domestic-help |
gardning tools | gardening |
holliday by the sea | holiday-short-break days-out |
a personal assistent for the mornings | personal-assistant |
compter lessons | computing education-courses |
fishin with my grandad | fishing |
drivin lesons | driving-lessons |
coledge course in art | education-courses arts |
i feel so lonley | social-activities-support leisure-activities peer-support |
respit for my mam | respite |
excercise classes | sports-activities gym-membership |
sumone to talk to who has been thru it | peer-support |
My daughter is 24 and has learning disabilities, she sits in her room all day on her phone and I would love her to have a social life with people her own age and maybe do a bit of cooking | social-activities-support leisure-activities personal-assistant |
Since mum's stroke she cant get out of the house and she used to love going to church on a Sunday, it would mean the world to her to go again | transport personal-assistant social-activities-support |
My husband has Parkinson's and gets very down, he used to love his music and playing in a band | music |
Our son has been in and out of hospital and we want him to have someone regular he can trust who will help him with the bills and shopping | support-worker personal-assistant |
"""

EXTRA_DEV_GOALS: list[EvalGoal] = _parse(EXTRA_GOALS, EXTRA_SPLIT)
