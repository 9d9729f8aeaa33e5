"""Reading a goal the way a person wrote it: word stems, typos and "not".

People write "Id like to go swiming with my freind", "I do not want to go to
a club", "my daughter who looks after me needs a break". Before a goal is
looked up in the phrase vocabulary (``matching.engine.infer``):

* every word is reduced to its stem with the Snowball English stemmer
  (PyStemmer), so "swimming", "swim" and "swims" are one word, and a phrase
  matches whatever ending the person used;
* a word Kith does not know is corrected to the closest word of Kith's own
  vocabulary (the phrase rules and the names of outcomes and categories) when
  it is one or two letters away (rapidfuzz's Damerau-Levenshtein distance);
  everyday words ("talk", "want", "dad") are never corrected, so "talk to
  people" does not become "walk", and neither is any common English word
  (pyspellchecker's English word frequencies), so "because mine broke" does
  not become "broker" and "study" stays "study";
* the spellings of text messages are read as the words they stand for:
  "thru" is "through", "sumone" is "someone", "wud" is "would";
* a word after "not", "don't want", "no more", "never" or "without", up to
  the end of the clause, is negated: what it names is something the person
  does not want. "I would rather have X than Y" negates Y, not X. A "not"
  that says what the person lacks ("I never get time together", "I don't
  get out much", "I don't have any friends") is not a refusal: nothing is
  negated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Words too common to mean anything on their own, and never corrected.
STOPWORDS = frozenset(
    """a about after again all also am an and any anymore are as at be because been before
    being but by can cant could did do does doing dont down each for from get gets getting
    go goes going got had has have having he her here him his how i id if im in into is it
    its ive just like ll me more most my myself no nor not now of off on once one only or
    other our out over own please really she so some something somebody someone such than
    that the their them then there these they this those through to too up very wanna want
    wants was we were what when where which while who whom why will with would you your""".split()
)

# Everyday words that are real English words, though not Kith's: left as written.
COMMON_WORDS = frozenset(
    """able abroad ago alone always angry another anxious anything anyone around ask away
    back bad bath bed best better big bit book both bring brother busy buy call came car care
    cat change child children city class clear close come could couple dad daughter day days
    dead died dog done dress each early easy else end enough even evening ever every face fall
    far father feel feels felt few find fine first food found friend friends full fun give
    glad good great grow had half hand happy hard hate head hear heard help her here hers high
    hill home hope hour house husband ill keep kind knew know last late learn least left less
    let life little live lives long look looks lot love low made make man many mate may mean
    meet mind miss money month morning mother move much mum must name near need needs never new
    next nice night nothing often old open pay people person place plan play poorly post put
    rather read real right said same say see seem self she short sick side since sister sit
    sleep slow small son soon sort start stay still stop such sure take talk tell than thank
    thing things think time tired today told took town tried try turn twice under until use
    used very wait walk want wanted ward was watch way week well went while whole wife without
    woman women word work world worse write year years yes yet young""".split()
)

# "not", "don't want" and the like turn round what follows, up to the end of the clause.
NEGATION_CUES = (
    ("do", "not"),
    ("don't",),
    ("dont",),
    ("not",),
    ("no", "more"),
    ("never",),
    ("without",),
    ("rather", "than"),
    ("instead", "of"),
    ("no",),
    ("nor",),
)
# A negation stops at a new clause: "I don't want cleaning, I want help going out".
CLAUSE_BREAKS = frozenset({"but", "instead", "i", "i'd", "id", "i'm", "im", "so", "because"})
NEGATION_REACH = 8  # words
# "I don't get out", "we never get time together", "I don't have friends":
# after "not", these verbs say what the person lacks, which is what they want.
LACK_VERBS = frozenset(
    """get gets getting got have has having see sees seeing go goes going know leave
    leaves feel manage managed""".split()
)
# Words that may come between "not" and the verb: "I don't really get out".
LACK_FILLERS = frozenset({"really", "ever", "often", "even", "usually", "much", "always"})
# "Rather ... than": what comes after "than" is not wanted, what comes before is.
RATHER_WORDS = frozenset({"rather", "prefer", "sooner"})

# How people spell in text messages, read as the words they stand for.
TEXT_SPELLINGS = {
    "thru": "through",
    "tho": "though",
    "u": "you",
    "ur": "your",
    "wud": "would",
    "cud": "could",
    "shud": "should",
    "sumone": "someone",
    "sum1": "someone",
    "some1": "someone",
    "sumthing": "something",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "bcos": "because",
    "pls": "please",
    "plz": "please",
    "gonna": "going",
    "wanna": "want",
    "luv": "love",
    "nite": "night",
    "2day": "today",
    "2moro": "tomorrow",
}

# A word at least this frequent in English (pyspellchecker's counts) is a real
# word, not a typo of one of Kith's: "broke" is not "broker".
ENGLISH_WORD_MIN_COUNT = 1000

_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Word:
    text: str  # lower case, after correcting a typo
    stem: str  # of ``text``
    start: int  # position in the text, for reasons
    end: int
    written: str = ""  # the word as the person wrote it
    negated: bool = False

    @property
    def corrected(self) -> bool:
        return self.text != self.written


def stem(word: str) -> str:
    return _stemmer.stemWord(word.replace("'", ""))


def stems(text: str) -> tuple[str, ...]:
    """A phrase as the sequence of its word stems: "go swimming" is ("go", "swim")."""
    return tuple(stem(w) for w in _WORD.findall(normalise(text)))


def normalise(text: str) -> str:
    return text.lower().replace("’", "'").replace("‘", "'").replace("-", " ")


@lru_cache(maxsize=8)
def _corrector(known: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words a typo may be corrected to, and every word that is left alone."""
    targets = tuple(sorted(w for w in known if len(w) >= 3))
    leave_alone = known | STOPWORDS | COMMON_WORDS
    return frozenset(leave_alone), targets


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words (read once per process; about 0.2 s of CPU)."""
    from spellchecker import SpellChecker

    counts = SpellChecker(language="en").word_frequency.dictionary
    return frozenset(w for w, n in counts.items() if n >= ENGLISH_WORD_MIN_COUNT)


def correct(word: str, known: frozenset[str]) -> str:
    """The closest word of Kith's vocabulary to a word Kith does not know, or the word itself."""
    if word in TEXT_SPELLINGS:
        return TEXT_SPELLINGS[word]
    leave_alone, targets = _corrector(known)
    if word in leave_alone or len(word) < 3 or not word.isalpha():
        return word
    if stem(word) in _known_stems(known) or word in english_words():
        return word
    limit = 1 if len(word) <= 6 else 2
    close = process.extract(
        word, targets, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=10
    )
    if len(word) == 3:
        # A three-letter word is only a typo of another three-letter one: "jym", "gym".
        close = [found for found in close if len(found[0]) == 3]
    if not close:
        return word
    # The nearest; between equals, the longer word: typing drops letters more
    # often than it adds them ("suport" is "support", not "sport").
    return min(close, key=lambda found: (found[1], -len(found[0]), found[0]))[0]


@lru_cache(maxsize=8)
def _known_stems(known: frozenset[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in known)


def read(text: str, known: frozenset[str]) -> list[Word]:
    """The goal's words, corrected, stemmed and marked where they are negated."""
    lowered = normalise(text)
    words: list[Word] = []
    for match in _WORD.finditer(lowered):
        written = match.group()
        fixed = correct(written, known)
        words.append(
            Word(
                text=fixed, stem=stem(fixed), start=match.start(), end=match.end(), written=written
            )
        )
    return _mark_negation(words, lowered)


def _mark_negation(words: list[Word], lowered: str) -> list[Word]:
    texts = [w.written for w in words]
    negated = [False] * len(words)
    rather_at = -NEGATION_REACH - 1
    i = 0
    while i < len(words):
        cue = next(
            (c for c in NEGATION_CUES if tuple(texts[i : i + len(c)]) == c),
            None,
        )
        if texts[i] in RATHER_WORDS:
            rather_at = i
        elif texts[i] == "than" and i - rather_at <= NEGATION_REACH:
            cue = ("than",)  # "rather have a PA than an agency": only the agency is not wanted
        if cue is None:
            i += 1
            continue
        j = i + len(cue)
        after = j
        while after < len(texts) and texts[after] in LACK_FILLERS:
            after += 1
        if after < len(texts) and texts[after] in LACK_VERBS:
            i = after  # says what is missing, not what is refused
            continue
        reach = 0
        while j < len(words) and reach < NEGATION_REACH:
            if texts[j] in CLAUSE_BREAKS and reach > 0:
                break
            # A comma or full stop ends the clause too.
            if re.search(r"[,.;:!?]", lowered[words[j - 1].end : words[j].start]):
                break
            negated[j] = True
            j += 1
            reach += 1
        i = j
    return [
        Word(w.text, w.stem, w.start, w.end, w.written, negated[k]) for k, w in enumerate(words)
    ]
