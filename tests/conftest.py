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


def damaged_copy(db: Path, path: Path) -> Path:
    """A copy of kb.db with the pages of the terms' index overwritten (a bad copy, a disk fault):
    it opens and passes its checks, and the first search that reads postings finds the damage."""
    import shutil
    import sqlite3
    shutil.copy(db, path)
    with sqlite3.connect(path) as conn:
        size = conn.execute("pragma page_size").fetchone()[0]
        pages = [n for n, in conn.execute("select pageno from dbstat where name = 'idx_terms_term' and pagetype = 'leaf'")]
    with open(path, "r+b") as f:
        for n in pages:
            f.seek((n - 1) * size)
            f.write(b"\xff" * size)
    return path
