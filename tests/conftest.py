from pathlib import Path

import pytest

from kb.build import build_kb

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TOPICS = ROOT / "topics.yml"
METADATA = ROOT / "metadata.yml"


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory) -> Path:
    """kb.db built once from the bundled corpus; tests must not write to it."""
    path = tmp_path_factory.mktemp("corpus") / "kb.db"
    build_kb([CORPUS], path, TOPICS)
    return path
