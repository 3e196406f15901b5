"""The package as pip installs it, not only this checkout: the wheel carries the taxonomy, the
vocabulary, the Datasette metadata, the plugin's templates and the bundled corpus as real files,
and `kb` finds them from any folder."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.paths import bundled

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    [found] = out.glob("need_to_know_kb-*.whl")
    return zipfile.ZipFile(found)


def test_the_wheel_carries_the_data_files(wheel):
    names = set(wheel.namelist())
    for name in ("kb/data/topics.yml", "kb/data/vocabulary.yml", "kb/data/metadata.yml",
                 "kb/data/corpus/need-to-know-dump.txt", "kb/datasette_plugin/templates/kb_search.html"):
        assert name in names, name
        top = ROOT / name.removeprefix("kb/data/") if name.startswith("kb/data/") else ROOT / name
        assert wheel.read(name) == top.read_bytes()  # the file itself, not a link to it


def test_kb_finds_its_files_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no topics.yml, corpus/ or metadata.yml here
    assert bundled("topics.yml").read_bytes() == (ROOT / "topics.yml").read_bytes()
    feed = tmp_path / "FEED.xml"
    feed.write_bytes((ROOT / "tests" / "fixtures" / "mixed" / "feed.xml").read_bytes())
    result = CliRunner().invoke(cli, ["build", str(feed), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "corpus.db"), "--silent"])
    assert result.exit_code == 0 and (tmp_path / "corpus.db").stat().st_size > 100_000
