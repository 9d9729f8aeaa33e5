"""POST /api/v1/match/: support-plan goals in, ranked and explained suggestions out.

Contract: shared/DESIGN.md ("Public JSON API"). Bad bodies answer 400 with
``{"errors": {"field": ["message"]}}``; nested fields are named by path,
e.g. ``goals[0].budget.amount``.
"""

from __future__ import annotations

import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.response import Response

from directory import geo, taxonomy
from directory.api import (
    ERROR_RESPONSES,
    POSTCODE_RULES,
    POSTCODE_SCHEMA,
    RADIUS_SCHEMA,
    ErrorSerializer,
    ListingSerializer,
    PublicAPIView,
)
from directory.models import Category, Language, Outcome
from directory.search import DEFAULT_RADIUS_KM, MAX_RADIUS_KM
from directory.search_log import log_match
from kith.params import MAX_ID
from kith.parsers import JSONParser
from matching.engine import DAY_NAMES, Budget, GoalSpec, match_plan
from matching.models import GOAL_TEXT_MAX_LENGTH

MAX_GOALS = 20
MAX_POUNDS = 9_999_999  # a budget's amount has at most 7 digits of pounds
AMOUNT_PATTERN = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"
_AMOUNT_RE = re.compile(AMOUNT_PATTERN)


# --- JSON types, as the schema states them -------------------------------------
# DRF's fields read a request leniently ("16" as a number, 1 or "yes" as true,
# 5 as text). The match API takes JSON only, so each value must come as the
# JSON type its schema says, and anything else is a 400 naming the field.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": AMOUNT_PATTERN, "example": "300.00"},
            {"type": "integer", "minimum": 0, "maximum": MAX_POUNDS},
        ],
        "description": 'Pounds: text with up to two decimals ("300.00") or a whole number.',
    }
)
class PoundsField(serializers.DecimalField):
    """An amount of money: "300.00" or 300, never a float (which cannot hold pence exactly)."""

    default_error_messages = {
        "invalid": 'Enter an amount in pounds, like "300.00".',
    }

    def __init__(self, **kwargs):
        super().__init__(max_digits=9, decimal_places=2, min_value=0, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("invalid")
        if isinstance(data, str) and not _AMOUNT_RE.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(POSTCODE_SCHEMA)
class PostcodeField(StrictCharField):
    """A postcode, or nothing (empty or spaces) for a search anywhere."""


@extend_schema_field(RADIUS_SCHEMA)
class RadiusField(StrictFloatField):
    pass


class SlugField(StrictCharField):
    """A vocabulary slug; the schema lists the vocabulary, the serializer checks it."""

    def __init__(self, vocabulary, **kwargs):
        self.slugs = [slug for slug, _ in vocabulary]
        super().__init__(**kwargs)


class SlugFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "matching.api.SlugField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": self.target.slugs}


def _check_slugs(values, model, what: str):
    known = set(model.objects.filter(slug__in=values).values_list("slug", flat=True))
    unknown = [v for v in values if v not in known]
    if unknown:
        raise serializers.ValidationError([f"'{slug[:40]}' is not {what}." for slug in unknown[:5]])
    return list(dict.fromkeys(values))


class BudgetSerializer(serializers.Serializer):
    amount = PoundsField()
    period = serializers.ChoiceField(choices=["week", "month", "year", "one-off"], default="year")


class PreferencesSerializer(serializers.Serializer):
    languages = serializers.ListField(
        child=SlugField(taxonomy.LANGUAGES, max_length=10),
        required=False,
        help_text="Language codes the person would like support in.",
    )
    days = serializers.ListField(
        child=serializers.ChoiceField(choices=list(DAY_NAMES)), required=False
    )
    backup_cover = StrictBooleanField(required=False, default=False)
    not_too_close = StrictBooleanField(required=False, default=False)
    keep = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=20,
        help_text="Ids of listings the person already uses and wants to keep.",
    )

    def validate_languages(self, value):
        return _check_slugs([v.lower() for v in value], Language, "a language code we know")


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[^\x00]*[^\x00\s][^\x00]*$",
        "maxLength": GOAL_TEXT_MAX_LENGTH,
    }
)
class GoalTextField(StrictCharField):
    """Words, not only spaces, and no NUL characters; at most GOAL_TEXT_MAX_LENGTH
    characters once trimmed."""


class GoalSerializer(serializers.Serializer):
    text = GoalTextField(
        max_length=GOAL_TEXT_MAX_LENGTH, help_text="The goal in the person's own words."
    )
    outcomes = serializers.ListField(
        child=SlugField(taxonomy.OUTCOMES, max_length=64),
        required=False,
        help_text="Outcome slugs (GET /api/v1/outcomes/); found from the text when left out.",
    )
    categories = serializers.ListField(
        child=SlugField(taxonomy.CATEGORIES, max_length=64),
        required=False,
        help_text="Category slugs (GET /api/v1/categories/).",
    )
    budget = BudgetSerializer(required=False)
    preferences = PreferencesSerializer(required=False)

    def validate_outcomes(self, value):
        return _check_slugs(value, Outcome, "an outcome (GET /api/v1/outcomes/ lists them)")

    def validate_categories(self, value):
        return _check_slugs(value, Category, "a category (GET /api/v1/categories/ lists them)")

    def goal_spec(self) -> GoalSpec:
        return goal_spec_from(self.validated_data)


def goal_spec_from(data) -> GoalSpec:
    prefs = data.get("preferences") or {}
    budget = data.get("budget")
    return GoalSpec(
        text=data["text"],
        outcomes=data.get("outcomes") or [],
        categories=data.get("categories") or [],
        budget=Budget(budget["amount"], budget["period"]) if budget else None,
        languages=prefs.get("languages") or [],
        days=prefs.get("days") or [],
        needs_backup_cover=prefs.get("backup_cover", False),
        not_too_close=prefs.get("not_too_close", False),
        keep_ids=prefs.get("keep") or [],
    )


class MatchRequestSerializer(serializers.Serializer):
    postcode = PostcodeField(
        required=False,
        help_text="Where the person lives: a full postcode, sector or outward code. "
        + POSTCODE_RULES,
    )
    radius_km = RadiusField(
        required=False,
        default=DEFAULT_RADIUS_KM,
        help_text=f"How far to look, in km (default {DEFAULT_RADIUS_KM:g}).",
    )
    goals = serializers.ListField(
        child=GoalSerializer(), min_length=1, max_length=MAX_GOALS, allow_empty=False
    )

    def validate_postcode(self, value):
        if not value or not value.strip():
            return None
        try:
            return geo.locate(value)
        except geo.PostcodeError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_radius_km(self, value):
        if not 0 < value <= MAX_RADIUS_KM:
            raise serializers.ValidationError(
                f"Enter a distance in kilometres greater than 0 and no more than {MAX_RADIUS_KM:g}."
            )
        return value

    def validate_goals(self, value):
        if len(value) > MAX_GOALS:
            raise serializers.ValidationError(f"Send at most {MAX_GOALS} goals at a time.")
        return value


class SuggestionSerializer(serializers.Serializer):
    listing = ListingSerializer()
    score = serializers.FloatField(min_value=0, max_value=1)
    reasons = serializers.ListField(child=serializers.CharField())


class GoalResultSerializer(serializers.Serializer):
    text = serializers.CharField()
    outcomes = serializers.ListField(child=serializers.SlugField())
    suggestions = SuggestionSerializer(many=True)


class MatchResponseSerializer(serializers.Serializer):
    goals = GoalResultSerializer(many=True)


def flatten_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {"goals[0].budget.amount": ["..."]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(errors, list):
        if all(not isinstance(item, (dict, list)) for item in errors):
            flat[prefix or "detail"] = [str(item) for item in errors]
        else:
            for i, item in enumerate(errors):
                if item:
                    flat.update(flatten_errors(item, f"{prefix}[{i}]"))
    else:
        flat[prefix or "detail"] = [str(errors)]
    return flat


class MatchView(PublicAPIView):
    # JSON only, so the schema states the one form of body the API reads.
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="match_create",
        tags=["matching"],
        summary="Suggestions for support-plan goals",
        description=(
            "Each goal's words are mapped to outcomes and categories (unless given), then "
            f"up to 10 local options are ranked and explained. At most {MAX_GOALS} goals."
        ),
        request=MatchRequestSerializer,
        responses={
            200: MatchResponseSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The body is not a valid request."),
            **ERROR_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "Swimming and meeting people near Stockport",
                request_only=True,
                value={
                    "postcode": "SK1 3XE",
                    "radius_km": 15,
                    "goals": [
                        {
                            "text": "I want to get fitter and meet people",
                            "outcomes": ["physical-health"],
                            "budget": {"amount": "300.00", "period": "year"},
                            "preferences": {"languages": ["ur"], "days": ["sat"]},
                        }
                    ],
                },
            )
        ],
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            return Response({"errors": {"detail": ["Send a JSON object."]}}, status=400)
        serializer = MatchRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": flatten_errors(serializer.errors)}, status=400)
        data = serializer.validated_data
        place = data.get("postcode")
        origin = place.point if place else None
        results = []
        # Every goal's searches go to the search backend together (one round trip on Elasticsearch).
        specs = [goal_spec_from(goal_data) for goal_data in data["goals"]]
        for spec in specs:
            # A goal nothing else explains falls back on the outcomes of the plan's other goals.
            spec.plan_outcomes = list(
                dict.fromkeys(
                    slug for other in specs if other is not spec for slug in other.outcomes
                )
            )
        for result in match_plan(specs, origin, data["radius_km"]):
            # Counted for the commissioners' demand reports (outcomes and numbers, no words).
            log_match(
                result.outcomes,
                result.categories,
                len(result.suggestions),
                radius_km=data["radius_km"],
                origin_outward=place.outward if place else "",
                user=request.user,
            )
            results.append(
                {
                    "text": result.text,
                    "outcomes": result.outcomes,
                    "suggestions": [
                        {"listing": s.listing, "score": s.score, "reasons": s.reasons}
                        for s in result.suggestions
                    ],
                }
            )
        body = MatchResponseSerializer({"goals": results}, context={"request": request}).data
        return Response(body)
