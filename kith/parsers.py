"""The API's JSON parser, with a limit on how deeply a request body may nest.

Kith's requests nest three or four levels (a match request: goals, each with
lists). A body nested thousands deep would exhaust Python's recursion limit
and answer 500; any body deeper than MAX_DEPTH is refused with a 400 instead.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20


def depth_of(value) -> int:
    """How many arrays and objects deep ``value`` goes (0 for a number or string)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.") from None
        if depth_of(data) > MAX_DEPTH:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
        return data
