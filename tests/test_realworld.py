"""Real third-party files, read where registry packages ship them: the test folders of the
feedparser, podcastparser, webvtt-py, pysrt and srt sdists (tests/realworld-sdists.txt), which
.ci/fetch-realworld unpacks into .realworld/. Nothing of them is in this repository. Without that
folder these tests are skipped, except under CI (CI=true), where they fail."""
import html
import json
import os
import re
import shutil
import warnings
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import ingest.sources
from ingest.errors import IngestError
from kb.cli import cli

REALWORLD = Path(__file__).resolve().parent.parent / ".realworld"
PODCASTPARSER = "podcastparser-0.6.11/tests/data"
WEBVTT = "webvtt_py-0.6.0/tests/samples"
PYSRT = "pysrt-1.1.2/tests/static"
FEEDPARSER = "feedparser-6.0.14/tests"


def real(folder: str) -> Path:
    """A folder of .realworld/, or a skip (a failure under CI) saying how to fetch it."""
    path = REALWORLD / folder
    if not path.is_dir():
        message = f"{path} is missing: run .ci/fetch-realworld to fetch the registry packages' test files"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def quiet_load(sources):
    """Documents of the sources; their warnings are checked elsewhere."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ingest.sources.load_sources(sources)


def items_with_content(path: Path) -> int:
    """The feed's <item>/<entry> elements that hold a title, a description or an enclosure."""
    text = path.read_text(errors="replace")
    spans = re.split(r"<(?:item|entry)\b", text)[1:]
    has = re.compile(r"<(?:title|description|summary|content|content:encoded)\b[^>]*>\s*(?:<!\[CDATA\[)?\s*[^\s<]"
                     r"|<enclosure\b[^>]*\burl=|rel=[\"']enclosure[\"'][^>]*href=|<media:content\b[^>]*url=", re.I)
    return sum(bool(has.search(span)) for span in spans)


def test_every_item_of_every_feed_is_a_document_alone_and_mixed():
    folder = real(PODCASTPARSER)
    feeds = sorted(folder.glob("*.rss"))
    alone = {}
    for feed in feeds:
        try:
            alone[feed.name] = quiet_load([feed])
        except IngestError:  # a channel without items
            alone[feed.name] = []
        expected = json.loads(feed.with_suffix(".json").read_text())["episodes"]
        assert len(alone[feed.name]) == items_with_content(feed), feed.name
        if not feed.with_suffix(".param.json").exists():  # (max_episodes.rss asks podcastparser for one)
            assert len(alone[feed.name]) >= len(expected), feed.name  # podcastparser's own episodes are all there
    mixed = quiet_load(feeds)
    assert len(mixed) == sum(len(docs) for docs in alone.values()) > 50
    assert all(len(doc.sources) == 1 for doc in mixed)  # no two feeds' items merged


def test_seasons_numbers_and_types_as_podcastparser_reads_them():
    folder = real(PODCASTPARSER)
    for name, field, attribute in (("episode_season", "season", "season"), ("episode_number", "number", "episode"),
                                   ("episode_type", "type", "episode_type")):
        [expected] = json.loads((folder / f"{name}.json").read_text())["episodes"]
        [doc] = quiet_load([folder / f"{name}.rss"])
        assert getattr(doc, attribute) == expected[field], name
    [doc] = quiet_load([folder / "episode_number_invalid.rss"])
    assert doc.episode is None  # '-1' is no number


def test_feedparser_suite_parses_or_is_a_clear_error():
    files = sorted(real(FEEDPARSER).rglob("*.xml"))
    outcomes = Counter()
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcomes["read"] += bool(ingest.sources.parse_file(path))
        except IngestError:
            outcomes["error"] += 1  # only the project's own errors: nothing else escapes
    assert sum(outcomes.values()) == len(files) > 2000 and outcomes["read"] > 800


def test_teams_times_without_padding():
    [doc] = quiet_load([real(WEBVTT) / "non_padded_timestamps.vtt"])
    assert [(s.speaker, s.start) for s in doc.segments] == [("Jane Doe", 0.0), ("John Smith", 3.54), ("Jane Doe", 65.2)]


def cue_words(path: Path) -> Counter:
    """The words of a subtitle file's cue text (tags dropped), to check that none is lost."""
    words: Counter = Counter()
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8-sig").replace("\r", "")):
        lines = block.split("\n")
        timed = [n for n, line in enumerate(lines) if "-->" in line]
        if timed and not block.startswith("NOTE"):
            text = html.unescape(re.sub(r"<[^>]*>", "", " ".join(lines[timed[0] + 1:])))
            words.update(re.findall(r"\w+", text))
    return words


def test_subtitle_speakers_are_names_that_recur_and_no_word_is_lost():
    path = real(WEBVTT) / "netflix_chicas_del_cable.vtt"
    [doc] = quiet_load([path])
    speakers = Counter(s.speaker for s in doc.segments if s.speaker)
    labels = Counter(re.findall(r"\[([^\]]+)\]", path.read_text()))
    assert speakers and all(labels[name] >= 2 and name.split()[0][0].isupper() and " " not in name for name in speakers)
    assert "Digo" not in speakers and not any(" " in name for name in speakers)  # no '[Ángeles ríe]'
    kept = Counter(re.findall(r"\w+", " ".join(s.text for s in doc.segments)))
    lost = cue_words(path) - kept
    assert lost and all(word in speakers and n <= labels[word] for word, n in lost.items()), lost  # only '[Alba]' labels


def test_rolling_captions_once():
    [doc] = quiet_load([real(WEBVTT) / "youtube_dl.vtt"])
    text = " ".join(s.text for s in doc.segments)
    assert text.count("this will happen is I'm telling") == 1 and text.count("yeah") == 1


def test_srt_markup_never_reaches_the_text():
    [doc] = quiet_load([real(PYSRT) / "capability_tester.srt"])
    text = " ".join(s.text for s in doc.segments)
    assert not re.search(r"</?[a-z_]+[ >]|\{\\|\{[A-Za-z]:|\\[Nnh]", text), text
    assert "The line will never break automatically right before or after a hard space." in text
    assert "Don't show this text" not in text  # a cue of no length hides data


def test_encodings_read_alike_and_codec_names_are_no_episodes():
    folder = real(PYSRT)
    texts = {}
    for name in ("bom-utf-8", "bom-utf-16-le", "bom-utf-16-be", "bom-utf-32-le", "bom-utf-32-be"):
        [doc] = quiet_load([folder / f"{name}.srt"])
        texts[name] = [s.text for s in doc.segments]
        assert doc.episode is None, name
    assert len({json.dumps(t) for t in texts.values()}) == 1
    [utf8], [cp1252] = quiet_load([folder / "utf-8.srt"]), quiet_load([folder / "windows-1252.srt"])
    assert [s.text for s in utf8.segments] == [s.text for s in cp1252.segments] and cp1252.episode is None


def test_a_folder_of_real_subtitles_builds_despite_its_bad_files(tmp_path):
    folder = tmp_path / "subtitles"
    folder.mkdir()
    for source in (real(WEBVTT), real(PYSRT), real("srt-3.5.3/srt_tools/tests/files")):
        for path in source.iterdir():
            if path.suffix in (".vtt", ".srt"):
                shutil.copy(path, folder / f"{source.parent.parent.name[:6]}-{path.name}")
    unreadable = []
    for path in sorted(folder.iterdir()):
        try:
            quiet_load([path])
        except IngestError:
            unreadable.append(path)
    assert unreadable  # empty files, files with no cue, times that cannot be read
    result = CliRunner().invoke(cli, ["build", str(folder), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 0, result.output
    assert f", {len(unreadable)} files skipped in " in result.output
    for path in unreadable:
        assert f"Warning: {path}" in result.output
    assert "please report this as a bug" not in result.output and "Traceback" not in result.output
    strict = CliRunner().invoke(cli, ["build", "--strict", str(folder), "--db", str(tmp_path / "strict.db")])
    assert strict.exit_code == 1 and not (tmp_path / "strict.db").exists()
