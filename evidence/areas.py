"""Areas a commissioner may see: Greater Manchester's ten local authorities as
lists of postcode districts (outward codes).

Postcode districts do not follow council boundaries exactly; each district is
given to the authority that holds most of it. A commissioner's area may also be
any list of districts.
"""

from __future__ import annotations

from directory import geo

LOCAL_AUTHORITIES: dict[str, list[str]] = {
    "Bolton": ["BL1", "BL2", "BL3", "BL4", "BL5", "BL6", "BL7"],
    "Bury": ["BL0", "BL8", "BL9", "M26", "M45"],
    "Manchester": [
        "M1",
        "M2",
        "M3",
        "M4",
        "M8",
        "M9",
        "M11",
        "M12",
        "M13",
        "M14",
        "M15",
        "M18",
        "M19",
        "M20",
        "M21",
        "M22",
        "M23",
        "M40",
        "M90",
    ],
    "Oldham": ["OL1", "OL2", "OL3", "OL4", "OL8", "OL9", "M35"],
    "Rochdale": ["OL10", "OL11", "OL12", "OL15", "OL16", "M24"],
    "Salford": ["M5", "M6", "M7", "M27", "M28", "M30", "M38", "M44", "M50"],
    "Stockport": ["SK1", "SK2", "SK3", "SK4", "SK5", "SK6", "SK7", "SK8"],
    "Tameside": ["OL5", "OL6", "OL7", "SK14", "SK15", "SK16", "M34", "M43"],
    "Trafford": ["M16", "M17", "M31", "M32", "M33", "M41", "WA14", "WA15"],
    "Wigan": ["WN1", "WN2", "WN3", "WN4", "WN5", "WN6", "WN7", "M29", "M46"],
}

GREATER_MANCHESTER = sorted({d for ds in LOCAL_AUTHORITIES.values() for d in ds})


def local_authority_of(district: str) -> str:
    return next((la for la, ds in LOCAL_AUTHORITIES.items() if district in ds), "")


def parse_districts(text: str) -> list[str]:
    """Districts from text ("OL8, ol9 SK1" gives OL8, OL9, SK1).

    Raises geo.PostcodeError for anything that is not a known district.
    """
    districts = []
    for part in text.replace(",", " ").split():
        district = geo.normalise_postcode(part)
        if " " in district or district not in geo.outcodes():
            raise geo.PostcodeError(f"{part} is not a postcode district, like OL8 or SK1.")
        if district not in districts:
            districts.append(district)
    return districts


def outward_of(postcode: str) -> str:
    return postcode.strip().upper().split(" ")[0] if postcode else ""
