"""Text analysis: the quick paths (runs cut by bytes.translate, per-word caches) give exactly what
the plain regular expressions give, and the folding users rely on."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analysis import (NUMBER_WORDS, STOP_WORDS, TENS_AND_UNIT, WORD, _token_words, lowered, spell_symbols,
                         split_runs, stem, terms, words)
from kb.topics import tokens

# Text of the characters that matter here: letters, digits, apostrophes, hyphens, spaces,
# punctuation, capitals, curly quotes and other non-ASCII letters.
TEXT = st.text(alphabet=st.sampled_from(list("abcdez019'- -.,/$%\n\tAZ’é—ñ")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_runs_hold_what_word_regex_finds(text):
    text = text.lower()
    assert [token for run in split_runs(text) for token in WORD.findall(run)] == WORD.findall(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_topic_tokens_are_ascii_letter_and_digit_runs(text):
    text = text.lower()
    assert tokens(text) == re.findall(r"[a-z0-9]+", text)


def reference_words(text):
    """words() the slow way: the word regex over the whole folded text, each token folded alone,
    no runs and no caches."""
    text = spell_symbols(lowered(text))
    text = TENS_AND_UNIT.sub(lambda m: str(int(NUMBER_WORDS[m[1]]) + int(NUMBER_WORDS[m[2]])), text)
    return [w for token in WORD.findall(text) for w in _token_words(token)]


def reference_terms(text):
    stems = [stem(w) for w in reference_words(text) if w not in STOP_WORDS and len(w) < 40]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT | st.sampled_from(["twenty four", "thirty-one", "$25,000", "10%", "licence", "O’Neill's"]),
                max_size=4).map(" ".join))
def test_cached_analysis_equals_the_slow_reference(text):
    # twice: the first call fills the per-run caches, the second is answered from them
    for _ in range(2):
        assert words(text) == reference_words(text)
        assert terms(text) == reference_terms(text)


def test_words_fold_spelling_numbers_and_punctuation():
    assert words("Multi-Factor licence") == ["multi", "factor", "multifactor", "license"]
    assert words("Tim O’Neill on Microsoft's F1/F3") == ["tim", "oneill", "on", "microsoft", "f1", "f3"]
    assert words("twenty four seven") == ["24", "7"] == words("twenty-four seven")
    assert words("$25,000 and 25K, 10%") == ["25000", "dollars", "and", "25000", "10", "percent"]
    assert words("AD-joined") == ["ad", "joined", "adjoined"]


def test_terms_are_stems_and_neighbouring_pairs():
    assert terms("Partners licensing Business Voice") == [
        "partner", "licens", "busi", "voic", "partner licens", "licens busi", "busi voic"]
    assert terms("the and of") == []
