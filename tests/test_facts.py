"""Facts from the write-ups: each shape the extraction reads (labelled bullets and paragraphs,
'Label – figure', flattened tables, prose with a clear subject), the figure forms (number words,
~, $25K, USD 1,250, ranges, deadlines), what it must leave out, and the facts table kb build writes.

The texts are ours, in the layout of corpus/need-to-know-dump.txt (its write-ups have bullets
with '•', 'Label:' paragraphs, footnotes glued to words such as 'importance.5', '[1]' citations,
and tables flattened to one line per row under a header line)."""
import sqlite3

import pytest

from ingest.blog_dump import parse
from kb.build import build_kb
from kb.facts import document_facts
from kb.schema import SCHEMA_VERSION

from conftest import TOPICS


def facts_of(body: str, title: str = "Partner Voice Incentives Explained") -> list[tuple]:
    """(subject, value, unit, qualifier) of each fact of a one-post dump with this body."""
    [doc] = parse("write-up.txt", f"{title}\n\nbp1\n\n{body}\n")
    return [(f.subject, f.value, f.unit, f.qualifier) for f in document_facts(doc)]


def only_fact(body: str):
    [doc] = parse("write-up.txt", f"Partner Voice Incentives Explained\n\nbp1\n\n{body}\n")
    [fact] = document_facts(doc)
    return fact


def test_bullet_label_with_a_sentence():
    fact = only_fact("Voice rates:\n\n  • Calling Plan Accelerator: Partners earn an additional ~8% on calling "
                     "plans sold to new customers[2]. It is paid monthly.")
    assert (fact.subject, fact.value, fact.unit, fact.qualifier, fact.figure) == (
        "Calling Plan Accelerator", 8, "%", "about", "~8%")
    assert fact.sentence == "Partners earn an additional ~8% on calling plans sold to new customers."  # the [2] is a reference, taken out at ingest


def test_bullet_label_dash_figure():
    assert facts_of("Voice rates:\n\n  • Teams Phone Standard – 15% on first-year revenue") == [
        ("Teams Phone Standard", 15, "%", None)]


def test_labelled_paragraph_and_note():
    body = ("Eligibility: Partners need a minimum revenue threshold (e.g. $25K trailing twelve months) to qualify.\n\n"
            "Note: Bonus incentives typically apply only for the initial period (for example, the first "
            "6 months of the subscription).")
    assert facts_of(body) == [
        ("Eligibility: minimum revenue threshold", 25000, "$", None),
        ("Eligibility: minimum revenue threshold", 12, "months", None),
        ("Bonus incentives: initial period", 6, "months", None),  # "Note:" is not a label
    ]


def test_label_with_its_own_figure_in_brackets():
    fact = only_fact("Categories:\n\n  • Performance (Maximum 20 points): This category counts new customers.")
    assert (fact.subject, fact.value, fact.unit, fact.qualifier) == ("Performance", 20, "points", "at most")
    assert fact.sentence.startswith("Performance (Maximum 20 points): This category")


def test_flattened_table_with_a_maximum_column():
    body = ("The table sums it up:\n\n"
            "Requirement Maximum Points Notes\n"
            "Customer adds 30 points Each new customer adds 3 points.\n"
            "Response is 4 hours or less on average 10 points Requires a reply within 4 hours.\n"
            "Certifications 20 Two people must pass the exam.")
    assert facts_of(body) == [
        ("Customer adds", 30, "points", "at most"),
        ("Customer adds", 3, "points", None),
        # the label's own "4 hours or less" names the row: it is not a fact of its own
        ("Response is 4 hours or less on average", 10, "points", "at most"),
        ("Response is 4 hours or less on average", 4, "hours", "within"),
        ("Certifications", 20, "points", "at most"),  # a plain number: the header gives the unit
        ("Certifications", 2, "people", None),
    ]


def test_table_group_lines_and_track_columns():
    body = ("By track:\n\n"
            "Category Metric Large Track Details Small Track Details\n"
            "Performance Net customer adds Each new customer adds two points. Each new customer adds four points.\n"
            "Skilling Exams\n"
            "Step 1 (Required): At least two people must pass exam A.\n"
            "Step 2: Each exam passed adds 5 points.\n\n"
            "Step 1 (Required): At least one person must pass exam A.\n"
            "Step 2: Each exam passed adds 8 points.")
    assert facts_of(body) == [
        ("Performance Net customer adds (Large Track)", 2, "points", None),
        ("Performance Net customer adds (Small Track)", 4, "points", None),
        ("Skilling Exams – Step 1 (Required) (Large Track)", 2, "people", "at least"),
        ("Skilling Exams – Step 2 (Large Track)", 5, "points", None),
        ("Skilling Exams – Step 1 (Required) (Small Track)", 1, "people", "at least"),
        ("Skilling Exams – Step 2 (Small Track)", 8, "points", None),
    ]


def test_prose_with_a_clear_subject():
    body = ("Support tickets must be answered within four hours. The average resolution time is twenty days "
            "or less. To attain the Gold designation, a partner must achieve a minimum score of 70 points.")
    assert facts_of(body) == [
        ("Support tickets", 4, "hours", "within"),
        ("average resolution time", 20, "days", "or less"),
        ("minimum score to attain the Gold designation", 70, "points", "minimum"),
    ]


def test_counts_and_scores_without_a_unit():
    body = ("The Gold program is one of six solution areas within the partner program. The security "
            "score ranges from 0 to 100 and is shown in Partner Center.")
    assert facts_of(body) == [
        ("solution areas within the partner program", 6, "areas", None),
        ("security score", 0, "points", "minimum"),
        ("security score", 100, "points", "at most"),
    ]


def test_figure_forms():
    body = ("Rates:\n\n"
            "  • Growth Bonus: Partners with twenty percent growth earn a bonus.\n"
            "  • Usage growth: Every revenue growth of USD 1,250 earns one point.\n"
            "  • Launch Credit: A one-off credit of $25,000 is paid.")
    assert [(s, v, u) for s, v, u, _ in facts_of(body)] == [
        ("Growth Bonus", 20, "%"),
        ("Usage growth: revenue growth", 1250, "$"),
        ("Usage growth: revenue growth", 1, "points"),
        ("Launch Credit: one-off credit", 25000, "$"),
    ]
    [doc] = parse("w.txt", f"Rates Explained\n\nbp1\n\n{body}\n")
    assert [f.currency for f in document_facts(doc)] == [None, "USD", None, None]


def test_a_range_gives_a_row_per_value_with_its_own_words():
    assert facts_of("Rates:\n\n  • Rate range: The rebate starts at 2.5% for renewals and rises up to 7% for new "
                    "customers.") == [
        ("Rate range: renewals", 2.5, "%", None),
        ("Rate range: new customers", 7, "%", "up to"),
    ]
    assert facts_of("Split:\n\n  • Rebate vs. Co-op Split: A 4% incentive is split into 60% rebate and 40% co-op.") == [
        ("Rebate vs. Co-op Split: incentive", 4, "%", None),
        ("Rebate vs. Co-op Split: rebate", 60, "%", None),
        ("Rebate vs. Co-op Split: co-op", 40, "%", None),
    ]


def test_deadline():
    [doc] = parse("w.txt", "GDAP Deadlines\n\nbp1\n\nPartners must migrate every tenant to GDAP by the end of 2026. "
                           "The offer runs until at least 2027, as it has since 2024.\n")
    [fact] = document_facts(doc)
    assert (fact.subject, fact.value, fact.unit, fact.qualifier, fact.date, fact.figure) == (
        "migrate every tenant to GDAP", 2026, "date", "by", "2026-12-31", "the end of 2026")


@pytest.mark.parametrize("body", [
    "Microsoft 365 E5 and Windows 11 include Office 2021 apps, and FY24/25 incentives continue.",  # names, years
    "There is no requirement of 70 points for customers.",  # negated
    "Would a score of 50 be enough for the program?",  # a question
    "The user asked whether a Secure Score of 70 is needed.",  # reported question
    "One specific requirement is MFA for admins. This requirement carries a weight of 20 points.",  # points back
    "Partners can earn 10 points.",  # no subject but the generic actor
    "Each security requirement is scored.5 Currently, the importance.12 of each is noted[1][2].",  # footnotes
    "Surveys found 62% of partners agree.",  # what the 62% is about is not said
    "Score of 5 points " + "1 " * 2000,  # a run of numbers is not a sentence that states facts
])
def test_left_out(body):
    assert facts_of(body) == []


def test_facts_table(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("Partner Voice Incentives Explained\n\nbp1\n\nVoice rates for partners who sell calling plans "
                    "to small business customers, with the conditions that apply to each of them:\n\n"
                    "  • Global PSTN Calling & Conferencing Accelerator: An additional ~20% incentive for selling "
                    "calling plans[1].\n\n"
                    "Response times\n\nCritical incidents require a reply within 30 minutes.\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    summary = build_kb([dump], db, TOPICS)
    assert summary.facts == 2 and "2 facts" in str(summary)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("select f.*, c.text as chunk_text, c.heading as chunk_heading from facts f "
                        "join chunks c on c.id = f.chunk_id order by f.id").fetchall()
    assert [(r["subject"], r["value"], r["unit"], r["qualifier"], r["figure"], r["heading"]) for r in rows] == [
        ("Global PSTN Calling & Conferencing Accelerator", 20, "%", "about", "~20%", None),
        ("Critical incidents: reply", 30, "minutes", "within", "30 minutes", "Response times"),
    ]
    assert all(r["sentence"] in r["chunk_text"] and r["heading"] == r["chunk_heading"] for r in rows)
    assert {r["document_id"] for r in rows} == {"partner-voice-incentives-explained"}
    version = conn.execute("select value from kb_meta where key = 'schema_version'").fetchone()[0]
    assert version == str(SCHEMA_VERSION)


def test_bundled_write_ups_have_the_issue_examples(corpus_db):
    conn = sqlite3.connect(corpus_db)
    found = set(conn.execute("select subject, value, unit, qualifier from facts").fetchall())
    assert ("Global PSTN Calling & Conferencing Accelerator", 20, "%", "about") in found
    assert ("Nonprofit/TSI Product Accelerator", 12, "%", "about") in found
    assert ("Response to alerts is 24 hours or less on average", 24, "hours", "within") in found
    assert ("Response to alerts is 24 hours or less on average", 10, "points", None) in found
    assert ("Eligibility: minimum revenue threshold", 25000, "$", None) in found
    # transcripts and show notes are not read for facts
    kinds = {k for (k,) in conn.execute("select distinct d.kind from facts f join documents d on d.id = f.document_id")}
    assert kinds == {"article"}
