"""WordPress pages: a single post and an archive page, the post body only, with dates, tags and links."""
import shutil
from pathlib import Path

import pytest

import ingest.sources

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def page():
    [doc] = ingest.sources.parse_file(FIXTURES / "mixed" / "episode-301.html")
    return doc


def test_single_post_metadata(page):
    assert (page.id, page.kind, page.episode, page.format) == ("episode-301", "episode", 301, "wordpress-html")
    assert page.title == "Need to Know podcast–Episode 301"
    assert page.url == "https://blog.ciaops.com/2020/04/01/need-to-know-podcast-episode-301/"
    assert page.published == "2020-04-01"  # the published <time>, not the updated one
    assert page.listen_url == "https://ciaops.podbean.com/e/episode-301-tenant-backups/"
    assert page.tags == ["Podcasts", "Backup", "Retention"]
    assert page.line == 16


def test_single_post_body_only(page):
    assert [(s.kind, s.text[:40]) for s in page.segments] == [
        ("show_notes", "In this episode Jane Citizen and I talk "),
        ("boilerplate", "You can listen directly to this episode "),
        ("boilerplate", "https://ciaops.podbean.com/e/episode-301"),
        ("boilerplate", "Subscribe via iTunes at:"),
        ("boilerplate", "https://itunes.apple.com/au/podcast/ciao"),
        ("resources", "Jane Citizen – @janecitizen\nRetention po"),
    ]
    assert [(r.kind, r.label, r.url) for r in page.resources] == [
        ("resource", "@janecitizen", "https://twitter.com/janecitizen"),
        ("resource", "Retention policies explained", "https://learn.microsoft.com/en-us/purview/retention"),
        ("resource", "Microsoft 365 Backup", "https://www.microsoft.com/en-us/microsoft-365/business/backup"),
    ]


def test_archive_page_holds_many_posts():
    docs = ingest.sources.parse_file(FIXTURES / "wordpress-archive.html")
    assert [(d.id, d.kind, d.published, d.url, d.tags) for d in docs] == [
        ("msp-microsoft-partner-mfa-request", "article", "2025-05-09", "https://blog.ciaops.com/2025/05/09/msp-mfa-request/", ["MFA"]),
        ("teams-rooms-costs-for-small-business", "article", "2025-04-02", "https://blog.ciaops.com/2025/04/02/teams-rooms-costs/", []),
    ]
    mfa = docs[0]
    assert [(s.kind, s.heading, s.text) for s in mfa.segments][1:5] == [
        ("bullet", "What to do now", "Turn on security defaults or conditional access."),
        ("bullet", "What to do now", "Remove legacy authentication."),
        ("table", "What to do now", "Requirement | Score"),
        ("table", "What to do now", "Enable MFA | 20 points"),
    ]
    assert [(r.kind, r.label) for r in mfa.resources] == [("link", "partner security requirements")]
    # &#146; in a windows-1252 page is ’; the script inside the summary is dropped
    assert docs[1].segments[0].text == ("Teams Rooms licences are cheaper than most small businesses think. "
                                        "It’s worth a look: the hardware is the real cost.")
    text = " ".join(s.text for d in docs for s in d.segments)
    for furniture in ("Home", "Contact menu", "Category: Security", "Archives", "2025 widget", "Site footer", "alert"):
        assert furniture not in text


def test_page_without_an_ending_and_without_post_markup(tmp_path):
    path = tmp_path / "post"
    path.write_text("<!doctype html><html><head><title>Copilot for partners | CIAOPS</title>"
                    '<meta property="article:published_time" content="2024-03-05T10:00:00Z">'
                    '<meta property="article:tag" content="Copilot"></head><body>'
                    "<header><h1>CIAOPS site</h1></header><nav>Menu</nav>"
                    "<main><p>Copilot is now sold to small businesses through CSP partners.</p>"
                    "<p>Transcription</p><p>Robert Crane  0:05<br>Welcome to the show.</p>"
                    "<p>Jane Citizen  1:02:40<br>Thanks, Robert.</p></main>"
                    "<footer>Footer</footer></body></html>", encoding="utf-8")
    [doc] = ingest.sources.load_sources([path])
    assert (doc.title, doc.kind, doc.published, doc.tags) == ("Copilot for partners", "article", "2024-03-05", ["Copilot"])
    assert [(s.kind, s.speaker, s.start, s.text) for s in doc.segments] == [
        ("section", None, None, "Copilot is now sold to small businesses through CSP partners."),
        ("transcript", "Robert Crane", 5, "Welcome to the show."),
        ("transcript", "Jane Citizen", 3760, "Thanks, Robert."),
    ]


def test_html_found_in_a_folder_by_its_ending(tmp_path):
    shutil.copy(FIXTURES / "wordpress-archive.html", tmp_path / "security.htm")
    assert len(ingest.sources.load_sources([tmp_path])) == 2
