"""Reading numbers people type into addresses (``?page=``, ``?for=``, form ids).

Anything that is not a plain whole number in range reads as "none given", so a
mistyped or hostile value (``²``, ``10^20``, ``٣٣``) never reaches the database
as an error.
"""

# Far beyond any real search; stops a typed page number overflowing the database offset.
MAX_PAGE = 1000
# The largest id a database row can have (a 64-bit signed integer).
MAX_ID = 2**63 - 1


def whole_number(value, maximum: int = MAX_ID) -> int | None:
    """``value`` as a whole number from 0 to ``maximum`` written in ASCII digits, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= maximum else None


def object_id(value) -> int | None:
    """A database id (1 or more), or None."""
    number = whole_number(value)
    return number if number else None


def page_number(value) -> int:
    """A results page from 1 to MAX_PAGE: page 1 if ``value`` is not a whole number,
    MAX_PAGE if it is beyond it."""
    if not isinstance(value, str):
        return 1
    value = value.strip()
    if not value or not value.isascii() or not value.isdigit():
        return 1
    if len(value) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(1, int(value)), MAX_PAGE)
