"""directory.geo: offline postcode geocoding. Pure Python, no Django or database."""

import csv
import gzip
import math
import re

import pytest
from geopy.distance import geodesic, great_circle
from hypothesis import example, given
from hypothesis import strategies as st

from directory import geo
from directory.geo import Place, PostcodeError

# ---------------------------------------------------------------- normalising


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sk13xe", "SK1 3XE"),
        (" SK1  3xe ", "SK1 3XE"),
        ("SK1 3XE", "SK1 3XE"),
        ("sk1", "SK1"),
        (" sk1 ", "SK1"),
        ("SK13", "SK13"),  # an outward code in its own right
        ("sk1 3", "SK1 3"),  # a sector, told apart from SK13 by the space
        ("M1 1AE", "M1 1AE"),
        ("m11ae", "M1 1AE"),
        ("M1", "M1"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("ec1a1bb", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("w1a0ax", "W1A 0AX"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
        ("\tSK1\n3XE\n", "SK1 3XE"),
        ("\uff33\uff2b\uff11 \uff13\uff38\uff25", "SK1 3XE"),  # full-width letters
    ],
)
def test_normalise_postcode(typed, expected):
    assert geo.normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "XYZ",
        "SK1 3XEE",
        "SK1-3XE",
        "1234567",
        "SK",
        "S",
        "SK1 3X",
        "SKK1 3XE",
        "SK1 AXE",
        "12 3AB",
        "SK1 3XE 4",
        "SK1 3XE!",
        "\u0661\u0662",
    ],
)
def test_malformed_postcodes_say_so_plainly(typed):
    with pytest.raises(PostcodeError) as caught:
        geo.normalise_postcode(typed)
    assert str(caught.value) == (
        f"'{typed.strip()}' is not a UK postcode. Try something like SK1 3XE or SK1."
    )


def test_error_message_for_xyz_is_exact():
    with pytest.raises(
        PostcodeError,
        match=r"^'XYZ' is not a UK postcode\. Try something like "
        r"SK1 3XE or SK1\.$",
    ):
        geo.normalise_postcode("XYZ")


@pytest.mark.parametrize("typed", ["", "   ", "\n\t", None, 42])
def test_empty_or_not_text(typed):
    with pytest.raises(PostcodeError, match="Enter a postcode, like SK1 3XE or SK1."):
        geo.normalise_postcode(typed)


def test_long_input_is_cut_short_in_the_message():
    with pytest.raises(PostcodeError) as caught:
        geo.normalise_postcode("a" * 5000)
    message = str(caught.value)
    assert len(message) < 120
    assert message.endswith("is not a UK postcode. Try something like SK1 3XE or SK1.")


def test_postcode_error_is_a_value_error():
    assert issubclass(PostcodeError, ValueError)


@given(st.text())
def test_normalise_only_ever_raises_postcode_error(text):
    try:
        result = geo.normalise_postcode(text)
    except PostcodeError as exc:
        assert str(exc)
    else:
        assert geo.normalise_postcode(result) == result  # idempotent
        assert result == result.strip().upper()


_postcode_chars = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789  \t-")


@given(st.text(_postcode_chars, max_size=10))
def test_normalise_on_postcode_like_text(text):
    try:
        result = geo.normalise_postcode(text)
    except PostcodeError:
        return
    assert geo.normalise_postcode(result) == result
    assert result.replace(" ", "") == "".join(text.split()).upper()


_outward = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]?\Z")
_inward = st.from_regex(r"\A[0-9][A-Z]{2}\Z")


@given(_outward, _inward, st.booleans(), st.booleans())
def test_any_well_formed_postcode_round_trips(outward, inward, spaced, lower):
    typed = f"{outward} {inward}" if spaced else outward + inward
    if lower:
        typed = typed.lower()
    assert geo.normalise_postcode(typed) == f"{outward} {inward}"
    assert geo.public_area(typed) == f"{outward} {inward[0]}"


# ------------------------------------------------------------------- locating


def test_sk1_3xe_is_in_stockport():
    place = geo.locate("sk13xe")
    assert place == Place(
        postcode="SK1 3XE",
        outward="SK1",
        sector="SK1 3",
        lat=place.lat,
        lng=place.lng,
        precision="sector",
    )
    assert place.lat == pytest.approx(53.40, abs=0.02)
    assert place.lng == pytest.approx(-2.15, abs=0.02)
    assert place.point == (place.lat, place.lng)
    assert place.public_area == "SK1 3"


def test_m1_1ae_is_in_manchester():
    place = geo.locate("M1 1AE")
    assert (place.outward, place.sector, place.precision) == ("M1", "M1 1", "sector")
    assert place.lat == pytest.approx(53.48, abs=0.02)
    assert place.lng == pytest.approx(-2.24, abs=0.02)


def test_outward_code_alone():
    place = geo.locate("sk1")
    assert (place.postcode, place.outward, place.sector, place.precision) == (
        "SK1",
        "SK1",
        None,
        "outward",
    )
    assert place.lat == pytest.approx(53.40, abs=0.03)
    assert place.lng == pytest.approx(-2.15, abs=0.03)
    assert place.public_area == "SK1"


def test_sector_typed_as_such():
    assert geo.locate("SK1 3").point == geo.locate("SK1 3XE").point
    assert geo.locate("SK1 3").precision == "sector"


def test_unknown_sector_falls_back_to_outward_code():
    assert "SK1 5" not in geo.sectors()  # no such sector in this release
    place = geo.locate("SK1 5AB")
    assert (place.sector, place.precision) == ("SK1 5", "outward")
    assert place.point == geo.locate("SK1").point


@pytest.mark.parametrize(
    ("typed", "lat", "lng"),
    [
        ("EC1A 1BB", 51.52, -0.10),  # London
        ("EH1 1YZ", 55.95, -3.19),  # Edinburgh
        ("CF10 1EP", 51.48, -3.18),  # Cardiff
        ("ZE1 0AA", 60.15, -1.15),  # Lerwick, Shetland
        ("TR18 2AB", 50.12, -5.54),  # Penzance
        ("B33 8TH", 52.48, -1.78),  # Birmingham
    ],
)
def test_places_across_great_britain(typed, lat, lng):
    place = geo.locate(typed)
    assert place.lat == pytest.approx(lat, abs=0.1)
    assert place.lng == pytest.approx(lng, abs=0.1)


def test_well_formed_but_unknown_postcode():
    with pytest.raises(PostcodeError) as caught:
        geo.locate("zz99zz")
    assert str(caught.value) == (
        "We could not find the postcode 'ZZ9 9ZZ'. Check it, or try just the first part, like SK1."
    )


def test_well_formed_but_unknown_outward_code():
    with pytest.raises(PostcodeError, match=r"^We could not find the postcode 'ZZ9'\."):
        geo.locate("ZZ9")


@pytest.mark.parametrize(
    ("typed", "where"),
    [
        ("BT1 1AA", "Northern Ireland"),
        ("BT7", "Northern Ireland"),
        ("JE2 3AB", "Jersey"),
        ("GY1 1AA", "Guernsey"),
        ("IM1 1AA", "the Isle of Man"),
    ],
)
def test_places_outside_the_data_say_why(typed, where):
    with pytest.raises(PostcodeError) as caught:
        geo.locate(typed)
    assert "covers England, Scotland and Wales" in str(caught.value)
    assert str(caught.value).endswith(f"not {where}.")


def test_locate_malformed_uses_the_same_message():
    with pytest.raises(PostcodeError, match="is not a UK postcode"):
        geo.locate("not a postcode")


@pytest.mark.parametrize(
    ("typed", "area"),
    [
        ("SK1 3XE", "SK1 3"),
        ("sk13xe", "SK1 3"),
        ("SK1", "SK1"),
        ("SK1 3", "SK1 3"),
        ("EC1A 1BB", "EC1A 1"),
        ("M1 1AE", "M1 1"),
    ],
)
def test_public_area_never_shows_the_full_postcode(typed, area):
    assert geo.public_area(typed) == area


def test_public_area_rejects_malformed():
    with pytest.raises(PostcodeError):
        geo.public_area("XYZ")


# ----------------------------------------------------------------- the data


def _rows(path):
    with gzip.open(path, "rt", encoding="ascii", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize(
    ("path", "header", "minimum"),
    [
        (geo.SECTORS_FILE, ["sector", "lat", "lng"], 10_000),
        (geo.OUTCODES_FILE, ["outcode", "lat", "lng"], 2_800),
    ],
)
def test_shipped_data_is_whole_and_small(path, header, minimum):
    rows = _rows(path)
    assert rows[0] == header
    assert len(rows) - 1 > minimum
    assert path.stat().st_size < 500_000
    keys = [row[0] for row in rows[1:]]
    assert len(set(keys)) == len(keys)
    for key, lat, lng in rows[1:]:
        assert geo.normalise_postcode(key) == key
        assert 49.8 < float(lat) < 60.9 and -8.7 < float(lng) < 1.8, key  # Great Britain
        assert len(lat.split(".")[1]) == 5 and len(lng.split(".")[1]) == 5


def test_loaded_tables_match_the_files_and_agree():
    sectors, outcodes = geo.sectors(), geo.outcodes()
    assert len(sectors) > 10_000 and len(outcodes) > 2_800
    assert geo.sectors() is sectors  # loaded once
    for sector in sectors:
        assert sector.split(" ")[0] in outcodes
    # every area from AB (Aberdeen) to ZE (Shetland) is there
    areas = {re.match("[A-Z]+", code).group() for code in outcodes}
    assert len(areas) >= 120


def test_sources_name_the_licence_and_attribution():
    text = (geo.DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "Open Government Licence v3.0" in text
    assert "Contains OS data © Crown copyright and database right 2025" in text
    assert "Contains Royal Mail data © Royal Mail copyright and database right 2025" in text


# ---------------------------------------------------------------- distances


def test_stockport_to_manchester():
    stockport, manchester = geo.locate("SK1 3XE").point, geo.locate("M1 1AE").point
    km = geo.distance_km(stockport, manchester)
    assert 9 < km < 11
    assert km == pytest.approx(geodesic(stockport, manchester).km, rel=0.006)
    assert geo.distance_km(manchester, stockport) == pytest.approx(km)
    assert geo.distance_km(stockport, stockport) == 0


def test_miles_and_km():
    assert geo.KM_PER_MILE == 1.609344
    assert geo.miles_to_km(1) == 1.609344
    assert geo.miles_to_km(10) == pytest.approx(16.09344)
    assert geo.km_to_miles(1.609344) == pytest.approx(1)
    assert geo.km_to_miles(geo.miles_to_km(7.5)) == pytest.approx(7.5)


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(53.40471, -2.15506), (50.1, -5.5), (60.3, -1.2), (0.0, 0.0), (-45.0, 170.0), (80.0, 10.0)],
)
@pytest.mark.parametrize("radius_km", [0.5, 5, 15, 50, 200])
def test_bounding_box_contains_the_circle(lat, lng, radius_km):
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius_km)
    assert min_lat < lat < max_lat and min_lng < lng < max_lng
    for bearing in range(0, 360, 5):
        for measure in (great_circle, geodesic):
            point = measure(kilometers=radius_km).destination((lat, lng), bearing)
            assert min_lat <= point.latitude <= max_lat, (bearing, measure)
            assert min_lng <= point.longitude <= max_lng, (bearing, measure)


def test_bounding_box_is_tight_enough_to_be_useful():
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(53.4, -2.15, 10)
    # a 20 km square, give or take the margin: not the whole country
    assert (max_lat - min_lat) * 111.2 == pytest.approx(20, rel=0.02)
    width_km = (max_lng - min_lng) * 111.2 * math.cos(math.radians(53.4))
    assert width_km == pytest.approx(20, rel=0.02)


def test_bounding_box_near_a_pole_or_the_date_line_spans_all_longitudes():
    assert geo.bounding_box(89.99, 0.0, 50)[2:] == (-180.0, 180.0)
    assert geo.bounding_box(0.0, 179.99, 50)[2:] == (-180.0, 180.0)
    assert geo.bounding_box(53.4, -2.15, 0) == (53.4, 53.4, -2.15, -2.15)


@pytest.mark.parametrize(("lat", "lng", "radius"), [(91, 0, 1), (0, 181, 1), (0, 0, -1)])
def test_bounding_box_rejects_nonsense(lat, lng, radius):
    with pytest.raises(ValueError):
        geo.bounding_box(lat, lng, radius)


def test_distance_is_geopys_great_circle_to_the_last_bit():
    import random

    from geopy.distance import great_circle

    rng = random.Random(16)
    for _ in range(5000):
        a = (rng.uniform(49.0, 59.0), rng.uniform(-8.0, 2.0))
        b = (rng.uniform(49.0, 59.0), rng.uniform(-8.0, 2.0))
        assert geo.distance_km(a, b) == great_circle(a, b).km


@given(
    st.one_of(
        st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ", max_size=12
        ),
        st.from_regex(geo.POSTCODE_PATTERN, fullmatch=True),
    )
)
@example("A 00AA")  # squeezed, it is the valid "A00AA"; as typed, it splits the outward code
@example("S K1 3XE")
@example("SK1 3 XE")
def test_the_published_postcode_pattern_matches_everything_normalise_accepts(text):
    """The API's schema states geo.POSTCODE_PATTERN: nothing it rules out may be accepted,
    and (for ASCII input of a sensible length) nothing it allows may be refused as malformed."""
    matches = re.fullmatch(geo.POSTCODE_PATTERN, text) is not None
    try:
        geo.normalise_postcode(text)
        accepted = True
    except PostcodeError:
        accepted = False
    if accepted:
        assert matches, text
    elif matches and text.strip() and len(text.strip()) <= 16 and len("".join(text.split())) <= 7:
        pytest.fail(f"{text!r} fits the pattern but was refused")
