"""What a figure is about, read from the words around it: the noun phrase before "of" ("a base
rebate of ~4%"), before a parenthesis ("minimum revenue threshold (e.g. $25K ...)"), after a
determiner ("the 10% incentive for Azure reservations"), the things counted ("six solution areas
within the ... Program"), or what ranges ("the ... score ranges from 0 to 100"). No part-of-speech
model: closed lists of English function words mark where a phrase ends.

Each finder returns None when it cannot tell; the caller then leaves the figure out.
"""
from __future__ import annotations

import re

from .figures import DETERMINERS, Figure, figures

TOKEN = re.compile(r"[A-Za-z0-9$€£~](?:[\w’'&/+.-]*[\w+%])?|[(),;:–—\[\]\"“”]|(?<=\s)-(?=\s)")
PREPOSITIONS = {"of", "for", "to", "in", "on", "at", "by", "with", "from", "into", "within", "under", "over",
                "about", "across", "per", "via", "through", "than", "between", "among", "around", "after",
                "before", "during", "until", "beyond", "above", "below", "toward", "towards", "upon", "like"}
CONJUNCTIONS = {"and", "or", "but", "plus", "nor", "so", "yet", "while", "whereas", "because", "if", "when",
                "whether", "that", "which", "who", "whom", "whose", "where", "as", "although", "though",
                "unless", "once", "since", "then", "than"}
PRONOUNS = {"this", "these", "that", "those", "it", "they", "them", "he", "she", "we", "you", "i", "such",
            "there", "its", "their", "our", "your", "his", "her", "one", "itself", "themselves"}
AUXILIARIES = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "can", "could", "must",
               "may", "might", "will", "would", "should", "shall", "do", "does", "did", "need", "needs"}
VERBS = {"earn", "earns", "earned", "offer", "offers", "provide", "provides", "apply", "applies", "include",
         "includes", "require", "requires", "receive", "receives", "get", "gets", "contribute", "contributes",
         "add", "adds", "range", "ranges", "ranging", "ranged", "yield", "yields", "pay", "pays", "reach",
         "reaches", "achieve", "achieves", "achieving", "attain", "attaining", "maintain", "meet", "meeting",
         "carry", "carries", "give", "gives", "cost", "costs", "grant", "grants", "cover", "covers", "stack",
         "stacks", "totaling", "totalling", "rising", "growing", "reward", "rewards", "award", "awards",
         "sell", "sells", "selling", "comes", "come", "consists", "consist", "indicates", "indicate", "aim",
         "ensure", "set", "take", "takes", "make", "makes", "support", "supports", "allow", "allows",
         "mean", "means", "become", "becomes", "remain", "remains", "split", "typically", "only", "also",
         "considered", "calculated", "based", "required", "relevant", "related", "comprised", "organized",
         "designed", "paid", "earning", "responding", "respond", "complete", "completing", "adding",
         "reported", "saw", "see", "sees", "expect", "expects", "expected", "say", "says", "said"}
GENERIC_SUBJECTS = {"partner", "partners", "microsoft", "the user", "user", "users", "customer", "customers",
                    "organization", "organizations", "organisation", "organisations", "research", "snippet",
                    "snippets", "the research", "company", "companies", "you", "we", "they", "report",
                    "analysis", "total", "maximum", "minimum", "score", "number", "amount", "value", "rate"}
INTRODUCERS = {"to", "while", "if", "for", "in", "by", "when", "although", "though", "as", "once", "therefore",
               "furthermore", "however", "similarly", "additionally", "conversely", "moreover", "instead",
               "currently", "today", "overall", "also", "again", "then", "thus", "so", "finally", "still"}
EXAMPLE_CUES = {"e.g", "eg", "i.e", "ie", "for", "example", "such", "as", "say", "approximately", "about",
                "around", "roughly", "up", "to", "typically", "usually", "currently", "~", "at", "least",
                "maximum", "minimum", "the", "a", "an"}
PHRASE_PREPOSITIONS = {"for", "in", "within", "on", "across", "per", "of", "from", "under"}
QUALIFIER_WORDS = {"up", "to", "a", "an", "maximum", "minimum", "max", "min", "of", "at", "least", "most",
                   "exactly", "about", "around", "roughly", "approximately", "nearly", "almost", "some", "than",
                   "more", "less", "fewer", "no", "not", "capped", "rising", "as", "much", "high", "over",
                   "under", "below", "above", "beyond", "close", "circa", "approx", "~", "only", "just"}
NOT_ADVERBS = {"supply", "family", "assembly", "anomaly", "butterfly", "multiply", "monopoly", "italy"}
LEADING_ADVERBS = {"about", "around", "roughly", "approximately", "nearly", "almost", "some", "only", "just", "~",
                   "up", "to", "of", "at", "least", "most", "exactly", "more", "less", "than"}
ADVERBS = {"further", "also", "then", "still", "even", "often", "always", "never", "already", "again", "hence",
           "thus", "therefore", "however", "instead", "too", "very"}
QUANTIFIERS = {"most", "many", "several", "few", "both", "more", "fewer", "less", "much", "other", "others"}
ANAPHORS = {"this", "these", "that", "those", "it", "they", "such", "its", "their", "he", "she", "we", "you"}
EXAMPLE_OPENERS = {"e.g", "eg", "i.e", "ie", "for", "such", "say", "including", "like"}
FUNCTION = ADVERBS | DETERMINERS | PREPOSITIONS | CONJUNCTIONS | PRONOUNS | QUANTIFIERS
MODALS = AUXILIARIES | {"to"}
MAX_PHRASE_WORDS = 8


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] in "$€£~"


def ends_phrase(token: str) -> bool:
    """A function word, or a verb in lower case ('Customer Add Accelerator' is a name)."""
    low = token.lower()
    return low in FUNCTION or (token.islower() and (low in AUXILIARIES or low in VERBS or is_adverb(low)))


def is_adverb(word: str) -> bool:
    return len(word) >= 6 and word.endswith("ly") and word not in NOT_ADVERBS


def is_participle(word: str) -> bool:
    """'answered', 'required': a verb form that ends a noun phrase read backwards."""
    return len(word) >= 5 and word.endswith("ed") and not word.endswith("eed")


def phrase(words: list[str]) -> str:
    return re.sub(r"\s+([)’,])|([(])\s+", r"\1\2", " ".join(words)).strip()


def noun_phrase_back(toks: list[str]) -> list[str]:
    """The noun phrase that ends `toks`: words back to a function word or punctuation, an
    acronym in brackets kept ('Security Azure consumed revenue (ACR) growth')."""
    out: list[str] = []
    i = len(toks) - 1
    while i >= 0 and len(out) < MAX_PHRASE_WORDS:
        tok = toks[i]
        if tok == ")" and i >= 2 and toks[i - 2] == "(" and toks[i - 1].isupper() and out:
            out[:0] = toks[i - 2:i + 1]
            i -= 3
            continue
        if not is_word(tok) or ends_phrase(tok) or (not out and tok.islower() and is_participle(tok)):
            break
        if i >= 1 and toks[i - 1].lower() in MODALS and tok.islower():
            break  # "should answer most tickets": a verb after a modal
        out.insert(0, tok)
        i -= 1
    while out and (out[0] in "()" or out[0].lower() in LEADING_ADVERBS):
        out.pop(0)
    return out


def noun_phrase_forward(toks: list[str], with_phrase: bool = True) -> list[str]:
    """The noun phrase that starts `toks` (determiners skipped), and one prepositional phrase
    after it ('incentive for Azure reservations'); empty when it starts with a verb or a pronoun."""
    out: list[str] = []
    i = 0
    while i < len(toks) and toks[i].lower() in DETERMINERS | {"both", "either"}:
        i += 1
    while i < len(toks) and len(out) < MAX_PHRASE_WORDS:
        tok = toks[i]
        low = tok.lower()
        if low in PHRASE_PREPOSITIONS and with_phrase and out:
            rest = noun_phrase_forward(toks[i + 1:], with_phrase=False)
            leading = [t for t in toks[i + 1:i + 3] if t.lower() in ("the", "a", "an")][:1]
            return out + [tok] + leading + rest if rest else out
        if not is_word(tok) or ends_phrase(tok):
            break
        out.append(tok)
        i += 1
    return out


def before(sentence: str, figure: Figure) -> list[str]:
    return tokens(sentence[:figure.start])


def after(sentence: str, figure: Figure) -> list[str]:
    return tokens(sentence[figure.end:])


def strip_qualifier(toks: list[str]) -> list[str]:
    """The tokens before a figure without the qualifier words that lead into it."""
    while toks and toks[-1].lower().rstrip(".") in QUALIFIER_WORDS - {"of", "a", "an"}:
        toks = toks[:-1]
    while toks and toks[-1].lower() in ("a", "an") and len(toks) > 1 and toks[-2].lower() in ("to", "of"):
        toks = toks[:-1]
    if len(toks) >= 2 and toks[-1].lower() == "of" and toks[-2].lower() in ("maximum", "minimum"):
        toks = toks[:-2]  # "a maximum of 20 points": the qualifier, not what the figure is about
    return toks


def in_parenthesis(sentence: str, figure: Figure) -> str | None:
    """'minimum revenue threshold (e.g. $25K ...)', 'a substantial accelerator (20%)': the figure
    opens a bracket, or one that gives examples, after a noun phrase; that phrase is what it is
    about. Not when the bracket follows another figure ('one point (maximum 20 points)')."""
    toks = before(sentence, figure)
    if "(" not in toks:
        return None
    opening = len(toks) - 1 - toks[::-1].index("(")
    inside = [t.lower().rstrip(".") for t in toks[opening + 1:] if is_word(t)]
    if ")" in toks[opening:] or not (
            (inside and inside[0] in EXAMPLE_OPENERS) or all(t in EXAMPLE_CUES for t in inside)):
        return None
    found = noun_phrase_back(toks[:opening])
    if not found or (len(toks[:opening]) >= 2 and re.fullmatch(r"[\d.,]+|one|two|three|four|five|six|seven|eight|nine|ten",
                                                               toks[opening - 2].lower())):
        return None
    return phrase(found)


def of_phrase(sentence: str, figure: Figure, connectors=("of",)) -> str | None:
    """'a base rebate of ~4%', 'growth of USD 1,250', 'a response time within 24 hours': the noun
    phrase before the connector that leads to the figure."""
    toks = strip_qualifier(before(sentence, figure))
    while toks and toks[-1].lower() in ("the", "last", "first", "next", "past", "initial", "further"):
        toks = toks[:-1]
    if not toks or toks[-1].lower() not in connectors:
        return None
    connector = toks.pop().lower()
    if connector == "from":
        while toks and (toks[-1] == "," or toks[-1].lower() in ("range", "ranges", "ranging", "ranged", "varies",
                                                                  "vary", "varying")):
            toks = toks[:-1]
    found = noun_phrase_back(toks)
    return phrase(found) or None


def modified_noun(sentence: str, figure: Figure) -> str | None:
    """'the 10% incentive for Azure reservations', '60% rebate': a rate or amount used as an
    adjective names the noun phrase after it."""
    if figure.unit not in ("%", "$", "€", "£"):
        return None
    found = noun_phrase_forward(after(sentence, figure))
    if not found or found[0][0].isdigit():
        return None
    return phrase(found)


def for_phrase(sentence: str, figure: Figure) -> str | None:
    """'1.25% for core software subscriptions', '~19% of that customer's billed revenue', 'one
    point in each of the following four key metrics'."""
    toks = after(sentence, figure)
    if len(toks) >= 2 and toks[0].lower() in ("in", "for", "per") and toks[1].lower() in ("each", "every"):
        rest, lead = toks[2:], [toks[1].lower()]
        if len(rest) >= 2 and rest[0].lower() == "of":
            skip = 2 if rest[1].lower() == "the" else 1
            rest, lead = rest[skip:], lead + rest[:skip]
        found = noun_phrase_forward(rest, with_phrase=False)
        return phrase(lead + found) if found else None
    rate = figure.unit in ("%", "$", "€", "£")
    if not toks or toks[0].lower() not in (("for", "on", "of") if rate else ("for",)):
        return None
    found = noun_phrase_forward(toks[1:], with_phrase=False)
    return phrase(found) or None


def counted(sentence: str, figure: Figure) -> str | None:
    """'six solution areas within the broader Microsoft AI Cloud Partner Program': the things
    counted, with the prepositional phrase right after them."""
    if not figure.countable:
        return None
    written = [t for t in tokens(sentence[figure.number_end:figure.end])
               if t.lower() not in ("or", "fewer", "less", "more", "greater", "higher", "lower", "above", "below",
                                    "over", "under")]
    toks = after(sentence, figure)
    if toks and toks[0].lower() in PHRASE_PREPOSITIONS:
        rest = noun_phrase_forward(toks[1:], with_phrase=False)
        leading = [t for t in toks[1:3] if t.lower() in ("the", "a", "an")][:1]
        if rest:
            return phrase(written + [toks[0]] + leading + rest)
    return phrase(written) or None


def following_phrase(sentence: str, figure: Figure) -> str | None:
    """The prepositional phrase right after a figure ('in the Partner Center security score
    calculation'), to complete a short subject."""
    toks = after(sentence, figure)
    if not toks or toks[0].lower() not in ("for", "in", "within", "on", "across"):
        return None
    found = noun_phrase_forward(toks[1:], with_phrase=False)
    return phrase([toks[0]] + found) if found else None


LEAD = re.compile(r"\s*(?:[A-Z][a-z]+:\s+)?")
INTRODUCTORY = re.compile(r"(?i:" + "|".join(sorted(INTRODUCERS)) + r")\b[^,;:]{0,160},\s*")


def main_clause_start(sentence: str) -> int:
    """Where the main clause starts: after a leading 'Note:' and an opening 'To ...,' or
    'While ...,' clause."""
    start = LEAD.match(sentence).end()
    opening = INTRODUCTORY.match(sentence, start)
    return opening.end() if opening else start


COORDINATED = re.compile(r"(?:[,;]\s+(?:and|but|while|whereas|so|yet)|;)\s+")


def clause_subject(sentence: str, figure: Figure) -> str | None:
    """The subject of the clause the figure is in: 'shared mailboxes' in '..., and shared
    mailboxes are capped at 10 GB each'."""
    starts = [m.end() for m in COORDINATED.finditer(sentence, 0, figure.start)]
    return sentence_subject(sentence[starts[-1]:]) if starts else sentence_subject(sentence)


def main_clause(sentence: str) -> list[str]:
    return tokens(sentence[main_clause_start(sentence):])


def sentence_subject(sentence: str) -> str | None:
    """The subject of the sentence's main clause, if it is a clear noun phrase; pronouns,
    'This requirement' and generic actors ('partners') are None."""
    out: list[str] = []
    toks = main_clause(sentence)
    if toks and toks[0].lower() in ANAPHORS:
        return None
    while toks and toks[0].lower() in DETERMINERS:
        toks = toks[1:]
    for tok in toks:
        if not is_word(tok) or ends_phrase(tok):
            break
        out.append(tok)
        if len(out) > MAX_PHRASE_WORDS:
            return None
    found = phrase(out)
    if not out or out[0].lower() in PRONOUNS or figures(found):
        return None
    return None if found.lower() in GENERIC_SUBJECTS else found


def anaphoric(sentence: str, figure: Figure) -> bool:
    """Whether the figure is in a main clause whose subject points back ('This requirement
    carries ...', 'It ...')."""
    start = main_clause_start(sentence)
    toks = tokens(sentence[start:])
    return figure.start >= start and bool(toks) and toks[0].lower() in ANAPHORS


def complement(sentence: str, figure: Figure) -> str | None:
    """'a target of 80% or higher is generally considered a good Microsoft Secure Score': what
    the figure's phrase is said to be."""
    match = re.match(r"\s*(?:or (?:higher|more|less|lower|above|below)\s+)?(?:is|are)\s+(?:\w+ly\s+)?"
                     r"(?:considered|deemed|seen as|regarded as|thought of as)\s+(.*)", sentence[figure.end:])
    if not match:
        return None
    found = noun_phrase_forward(tokens(match[1]), with_phrase=False)
    return phrase(found) or None


def purpose(sentence: str) -> str | None:
    """'To attain the Solutions Partner for Security designation, ...' -> 'to attain ...'."""
    match = re.match(r"\s*(To [a-z]+ [^,;:]{3,80}),", sentence)
    return match[1][0].lower() + match[1][1:] if match else None


def is_clear(subject: str | None) -> bool:
    """Two words or more, not led by a pronoun, not a generic word on its own."""
    if not subject:
        return False
    words = [w for w in re.findall(r"[\w’'&-]+", subject)]
    return (len(words) >= 2 or (len(words) == 1 and words[0][:1].isupper())) \
        and words[0].lower() not in PRONOUNS and subject.lower() not in GENERIC_SUBJECTS
