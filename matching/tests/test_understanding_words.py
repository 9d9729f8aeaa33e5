"""Goals in words no single phrase was written for: synonyms by category, real
English words, text-message spellings, "rather ... than", and "never get"."""

import pytest

from matching import understanding
from matching.engine import infer, vocabulary
from matching.models import PhraseRule
from matching.vocabulary import CATEGORY_OUTCOMES, CATEGORY_WORDS

pytestmark = pytest.mark.django_db


def test_a_break_for_the_mum_who_cares_for_me_is_a_carers_break_not_childcare():
    categories = infer("a break for my mum who cares for me").categories
    assert categories[0] == "respite"
    assert "childcare" not in categories


def test_everyday_words_for_what_people_buy_find_their_category():
    assert infer("go to the pictures with someone").categories[0] == "leisure-activities"
    assert infer("seeds, plants and compost to grow veg").categories[0] == "gardening"
    assert infer("new carpets, the old ones are stained").categories[0] == "home-improvements"
    assert infer("horse riding lessons").categories[0] == "sports-activities"
    assert infer("a childminder so I can go to my appointments").categories[0] == "childcare"
    assert infer("someone to speak for me at my review meeting").categories[0] == "advocacy"


def test_an_employer_asking_about_payslips_gets_payroll_not_a_carers_break():
    categories = infer("Who will do the payslips for my carer").categories
    assert categories[0] == "payroll-and-employment-support"


def test_tablets_to_take_are_medication_not_a_computer():
    assert infer("help me take my tablets on time").categories[0] == "support-worker"
    assert "computing" not in infer("help me take my tablets on time").categories
    assert infer("I want a tablet to video call my family").categories[0] == "computing"


def test_synonyms_are_phrase_rules_editors_can_change():
    """They live in the database like every phrase: unpublishing one stops it at once."""
    assert infer("a childminder on Tuesdays").categories[0] == "childcare"
    rule = PhraseRule.objects.get(phrase="childminder")
    assert rule.main_category.slug == "childcare"
    rule.live = False
    rule.save()
    assert "childcare" not in infer("a childminder on Tuesdays").categories


def test_every_category_has_synonyms_and_every_synonym_is_a_rule():
    from directory.models import Category

    slugs = set(Category.objects.values_list("slug", flat=True))
    assert set(CATEGORY_WORDS) == set(CATEGORY_OUTCOMES) <= slugs
    phrases = set(PhraseRule.objects.filter(live=True).values_list("phrase", flat=True))
    for word in ("payslips", "childminder", "the pictures", "aromatherapy", "market stall"):
        assert word in phrases


def test_a_common_english_word_is_not_taken_for_a_typo():
    inference = infer("a fridge freezer and a washing machine because mine broke")
    assert inference.categories[0] == "home-improvements"
    assert not {"independent-brokerage", "peer-brokerage"} & set(inference.categories)
    assert ("broke", "broker") not in inference.corrections
    assert infer("study accountancy").categories == ["education-courses"]
    # Real typos are still corrected.
    assert infer("help with my cleening").categories[0] == "domestic-help"
    assert understanding.english_words() >= {"broke", "study", "walls"}


def test_text_message_spellings_are_read_as_words():
    inference = infer("sumone to talk to who has been thru it")
    assert inference.categories[0] == "peer-support"
    assert ("thru", "through") in inference.corrections
    assert ("sumone", "someone") in inference.corrections


def test_rather_a_pa_than_an_agency_worker_avoids_only_the_agency_worker():
    inference = infer("I would rather have a PA than an agency support worker")
    assert inference.categories[0] == "personal-assistant"
    assert "support-worker" in inference.avoid_categories
    assert "personal-assistant" not in inference.avoid_categories


def test_never_getting_something_asks_for_it_but_not_wanting_it_still_refuses():
    inference = infer("we never get time together, a weekend away would be lovely")
    assert inference.categories[0] == "holiday-short-break"
    assert inference.avoid_categories == []
    assert infer("I don't get out much").categories[0] == "social-activities-support"
    assert infer("I dont have any friends").categories == ["social-activities-support"]
    assert "leisure-activities" in infer("I don't want a club").avoid_categories
    assert "domestic-help" in infer("I dont want a cleaner").avoid_categories


def test_saying_you_are_alone_or_struggling_after_not_still_asks_for_help():
    assert infer("I dont see anyone all week").categories[0] == "social-activities-support"
    inference = infer("I don't want to sit at home all day")
    assert inference.categories[0] == "social-activities-support"
    assert inference.avoid_categories == []


def test_rules_are_found_through_the_index_exactly_as_by_testing_every_rule():
    vocab = vocabulary()
    for text in (
        "I want to go swimming and meet new people at the leisure centre",
        "a PA who can drive me to the shops and help with the washing up",
        "my daughter who looks after me needs a break, maybe a weekend away",
    ):
        present = {w.stem for w in understanding.read(text, vocab.known_words)}
        every = [r for r in vocab.rules if present.issuperset(r.stems)]
        assert vocab.candidates(present) == every
        assert every  # the test means something


def test_the_extra_development_goals_are_their_own_part_and_never_test_goals():
    from directory.models import Category
    from matching.evaluation.goals import EVAL_GOALS
    from matching.evaluation.goals_extra_dev import EXTRA_DEV_GOALS
    from matching.evaluation.run import LABELS, goals_in

    assert len(EXTRA_DEV_GOALS) >= 150
    assert goals_in("extra") == EXTRA_DEV_GOALS
    assert {goal.split for goal in EXTRA_DEV_GOALS} == {"extra"}
    assert LABELS["extra"] == "development, extra"
    old = {" ".join(goal.text.lower().split()) for goal in EVAL_GOALS}
    assert not any(" ".join(goal.text.lower().split()) in old for goal in EXTRA_DEV_GOALS)
    slugs = set(Category.objects.values_list("slug", flat=True))
    for goal in EXTRA_DEV_GOALS:
        assert goal.accepted and goal.accepted | goal.rejected <= slugs, goal.text
        assert not goal.accepted & goal.rejected, goal.text
