"""The strings a topic pattern cannot match without, so that a chunk lacking all of them is never
run through the pattern: read from the regular expression's parse tree."""
from __future__ import annotations

import re
import re._parser as regex_parser
from re._constants import AT, ASSERT, ASSERT_NOT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN

MAX_SPELLINGS = 64


def required_strings(source: str) -> set[str] | None:
    """Lower-case strings one of which every match of the pattern contains (None: no such set)."""
    return parsed_requirements(regex_parser.parse(source, re.I))


def parsed_requirements(parsed) -> set[str] | None:
    """Lower-case strings one of which every match of a parsed regex contains (None: no such set).

    A run of items that can each match only a few literal strings (a character, a class of
    characters, an optional part, a group or branch of such, or a zero-width test such as \\b)
    requires one of the run's spellings; a group or branch that cannot be spelt out requires what
    its parts require. The most selective set found is returned."""
    best: set[str] | None = None
    run: set[str] = {""}

    def keep(found: set[str] | None) -> None:
        nonlocal best
        if found and "" not in found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    for op, arg in parsed:
        options = spellings(op, arg)
        if options is not None and len(run) * len(options) <= MAX_SPELLINGS:
            run = {r + o for r in run for o in options}
            continue
        keep(run)
        run = {""}
        if op is SUBPATTERN:
            keep(parsed_requirements(arg[-1]))
        elif op is BRANCH:
            branches = [parsed_requirements(branch) for branch in arg[1]]
            keep(set().union(*branches) if all(branches) else None)
        elif op in (MAX_REPEAT, MIN_REPEAT) and arg[0] >= 1:
            keep(parsed_requirements(arg[2]))
    keep(run)
    return best



def spellings(op, arg) -> set[str] | None:
    """Every string one parsed regex item can match, when they are few and literal (else None)."""
    if op is LITERAL:
        return {chr(arg).lower()}
    if op is IN and all(o is LITERAL for o, _ in arg):
        return {chr(a).lower() for _, a in arg}
    if op in (AT, ASSERT, ASSERT_NOT):
        return {""}  # zero width: the text on either side is contiguous
    if op is SUBPATTERN:
        return sequence_spellings(arg[-1])
    if op is BRANCH:
        branches = [sequence_spellings(branch) for branch in arg[1]]
        return set().union(*branches) if all(b is not None for b in branches) else None
    if op in (MAX_REPEAT, MIN_REPEAT) and (arg[0], arg[1]) == (0, 1):
        inner = sequence_spellings(arg[2])
        return inner | {""} if inner is not None else None
    return None


def sequence_spellings(parsed) -> set[str] | None:
    out = {""}
    for op, arg in parsed:
        options = spellings(op, arg)
        if options is None or len(out) * len(options) > MAX_SPELLINGS:
            return None
        out = {r + o for r in out for o in options}
    return out
