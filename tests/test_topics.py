"""The taxonomy in topics.yml: loading, checking, and matching topics in text and queries."""
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.build import load_terms
from kb.topics import TaxonomyError, assign_topics, load_taxonomy, matched_topics, resolve_topic, topics_from_entries

TOPICS = Path(__file__).parent.parent / "topics.yml"
REQUIRED = [
    "MFA", "Business Voice", "F1/F3 licensing", "Teams", "Intune", "CSP incentives",
    "Partner Center security score", "GDAP", "Azure", "Windows Virtual Desktop", "Remote work / VPN",
]


@pytest.fixture(scope="module")
def topics():
    return load_taxonomy(TOPICS)


def test_taxonomy_loads(topics):
    names = [t.name for t in topics]
    assert len(topics) >= 20
    assert [n for n in REQUIRED if n not in names] == []
    assert len({t.id for t in topics}) == len(topics)
    by_name = {t.name: t for t in topics}
    assert by_name["F1/F3 licensing"].id == "f1-f3-licensing"
    assert by_name["Remote work / VPN"].id == "remote-work-vpn"
    assert all(t.description for t in topics)


@pytest.mark.parametrize("text,topic_id", [
    ("We turned on multi-factor authentication for every admin account.", "mfa"),
    ("Is multifactor enforced for the helpdesk yet?", "mfa"),
    ("Customers still ask whether 2FA is worth the hassle.", "mfa"),
    ("The shop floor staff each get a Microsoft 365 F3 licence.", "f1-f3-licensing"),
    ("They moved the front desk to Teams Phone with a calling plan.", "business-voice"),
    ("Partners must move to granular delegated admin privileges this year.", "gdap"),
    ("Staff kept working from home over the VPN all week.", "remote-work-vpn"),
    ("We enrolled every laptop in Microsoft Intune before the move.", "intune"),
    ("The core rebate and the customer add accelerator both apply.", "csp-incentives"),
    ("Raise the Partner Center security score before the review.", "partner-center-security-score"),
    ("Azure Virtual Desktop gives the contractors a desktop anywhere.", "windows-virtual-desktop"),
])
def test_assign_topics(topics, text, topic_id):
    assert topic_id in assign_topics(text, topics)


def test_assign_topics_taxonomy_order_and_no_false_hits(topics):
    ids = [t.id for t in topics]
    found = assign_topics("MFA for Azure admins, then Intune for the phones.", topics)
    assert {"mfa", "azure", "intune"} <= set(found)
    assert found == sorted(found, key=ids.index)
    assert assign_topics("It was sunny and warm at the beach all weekend, and the barbecue was great.", topics) == []


def test_british_and_american_spellings_match_alike(topics):
    assert assign_topics("an F3 licence", topics) == assign_topics("an F3 license", topics)
    british = assign_topics("We check our Partner Centre security score weekly.", topics)
    assert "partner-center-security-score" in british
    assert british == assign_topics("We check our Partner Center security score weekly.", topics)
    assert "f1-f3-licensing" in assign_topics("frontline licences for the warehouse", topics)


def test_an_old_name_inside_another_products_name_is_not_a_mention():
    # "Microsoft 365 Business" (vocabulary.yml) was Business Premium's name until 2020, and is also the
    # start of "Microsoft 365 Business Voice": the Business Voice episodes were tagged Business Premium
    topics, _, _ = load_terms(TOPICS, TOPICS.with_name("vocabulary.yml"))
    assert assign_topics("Microsoft 365 Business Voice is available in Australia now.", topics) == ["business-voice"]
    assert "microsoft-365-business-premium" in assign_topics("Microsoft 365 Business customers get Intune.", topics)
    both = assign_topics("Microsoft 365 Business Voice, and Business Premium for security.", topics)
    assert {"business-voice", "microsoft-365-business-premium"} <= set(both)


def test_gdap_sentence_is_not_legacy_dap(topics):
    assert assign_topics("Partners must move to granular delegated admin privileges.", topics) == ["gdap"]


@pytest.mark.parametrize("value,name", [
    ("F1/F3 licensing", "F1/F3 licensing"),
    ("f1/f3 LICENSING ", "F1/F3 licensing"),
    ("f1-f3-licensing", "F1/F3 licensing"),
    ("GDAP", "GDAP"),
    ("gdap", "GDAP"),
    ("Remote work / VPN", "Remote work / VPN"),
    ("remote-work-vpn", "Remote work / VPN"),
    ("business-voice", "Business Voice"),
    ("Intune", "Intune"),
])
def test_resolve_topic(topics, value, name):
    assert resolve_topic(value, topics).name == name


@pytest.mark.parametrize("value", ["weather", "Weather forecasts", "vpn-only", ""])
def test_resolve_unknown_topic(topics, value):
    assert resolve_topic(value, topics) is None


def test_matched_topics_on_queries(topics):
    assert [t.name for t in matched_topics("how do I set up MFA with GDAP?", topics)] == ["MFA", "GDAP"]
    assert "Business Voice" in [t.name for t in matched_topics("teams phone calling plan price", topics)]
    assert "F1/F3 licensing" in [t.name for t in matched_topics("what does an F1 licence include", topics)]
    assert matched_topics("best barbecue recipes", topics) == []


def write(tmp_path, text):
    path = tmp_path / "topics.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yml"
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(path)
    assert str(exc.value) == f"{path}: taxonomy file not found"


def test_invalid_yaml(tmp_path):
    path = write(tmp_path, "topics:\n  - name: MFA\n    aliases: [2FA\n")
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(path)
    assert str(exc.value).startswith(f"{path}: not valid YAML: ")
    assert "line 3" in str(exc.value)


@pytest.mark.parametrize("text", ["", "topics: []\n", "- name: MFA\n", "topics: MFA\n"])
def test_no_topics_list(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(path)
    assert str(exc.value) == f"{path}: expected a 'topics:' list of topics"


@pytest.mark.parametrize("entry", ["  - description: no name\n", "  - name: '  '\n", "  - just a string\n"])
def test_topic_without_a_name(tmp_path, entry):
    path = write(tmp_path, "topics:\n  - name: MFA\n" + entry)
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(path)
    assert str(exc.value) == f"{path}: topic number 2 has no name"


def test_bad_pattern(tmp_path):
    path = write(tmp_path, "topics:\n  - name: Teams\n  - name: Broken Topic\n    patterns:\n      - '(unclosed'\n")
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(path)
    assert str(exc.value) == (f"{path}: topic 'Broken Topic': bad pattern '(unclosed': "
                              "missing ), unterminated subpattern at position 0")


def test_duplicate_topic(tmp_path):
    path = write(tmp_path, "topics:\n  - name: Teams\n  - name: teams\n")
    with pytest.raises(TaxonomyError) as exc:
        load_taxonomy(path)
    assert str(exc.value) == f"{path}: topic 'teams' is listed twice"


def test_aliases_given_as_a_string(tmp_path):
    # a single alias written without list brackets is a list of one
    path = write(tmp_path, "topics:\n  - name: MFA\n    aliases: 2FA\n")
    topics = load_taxonomy(path)
    assert topics[0].aliases == ["2FA"]
    assert assign_topics("We turned on 2FA for the admins.", topics) == ["mfa"]
    assert assign_topics("It was a sunny day.", topics) == []


def reference_topics(text, topics):
    """What the matcher must find, the slow and obvious way: every alias n-gram of the folded
    text, and every pattern searched case-insensitively."""
    from kb.analysis import fold
    folded = fold(text)
    found = re.findall(r"[a-z0-9]+", folded)
    spans = [(i, i + len(key), t.name) for t in topics for key in t.keys if len(key) > 1
             for i in range(len(found)) if tuple(found[i:i + len(key)]) == key]
    # a longer alias is no mention where it lies inside another topic's still longer one
    whole = {name for s, e, name in spans
             if not any(s2 <= s and e <= e2 and e2 - s2 > e - s and other != name for s2, e2, other in spans)}
    return [t.name for t in topics if any((w,) in t.keys for w in found) or t.name in whole
            or any(re.search(p, folded, re.I) for p in t.patterns)]


def topic_vocabulary():
    """Whole aliases, required strings of patterns and their single words, and a few others."""
    taxonomy = load_taxonomy(TOPICS)
    phrases = {p for t in taxonomy for p in t.phrases()} | {n for t in taxonomy for n in t.pattern_needs or ()}
    single = {w for p in phrases for w in re.findall(r"[A-Za-z0-9]+", p)}
    return sorted(phrases | single | {"licence", "centre", "the", "and", "co", "op", "line", "first", "f", "data"})


TAXONOMY = load_taxonomy(TOPICS)  # one list: the matcher built for it is kept between examples


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(topic_vocabulary()), st.sampled_from([" ", "-", ", ", "’", "  "])),
                max_size=8))
def test_matcher_finds_what_brute_force_finds(pieces):
    taxonomy = TAXONOMY
    text = "".join(word + sep for word, sep in pieces)
    assert [t.name for t in matched_topics(text, taxonomy)] == reference_topics(text, taxonomy)


def test_required_strings_spell_out_short_alternatives():
    by_id = {t.id: t for t in load_taxonomy(TOPICS)}
    assert by_id["co-op-funds"].pattern_needs == {"co-op", "coop"}
    assert by_id["windows-virtual-desktop"].pattern_needs == {"vdi", "virtual desktop", "virtual desktops"}
    custom = topics_from_entries([{"name": "Things", "patterns": [r"\bwidget\d+", r"gizmo(s|es)?\b"]}])[0]
    assert custom.pattern_needs == {"widget", "gizmo", "gizmos", "gizmoes"}
    anything = topics_from_entries([{"name": "Any", "patterns": [r"\w+ing"]}])[0]
    assert anything.pattern_needs == {"ing"}
    assert [t.name for t in matched_topics("Sing along", [anything])] == ["Any"]
