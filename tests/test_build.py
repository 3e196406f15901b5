"""kb build: the rows it writes, atomic replacement, and the same rows from the same sources."""
import json
import os
import sqlite3
import threading
import time
import warnings

import pytest
import sqlite_utils

from ingest.errors import IngestError, IngestWarning
from kb.atomic import exclusive
from kb.build import build_kb

from conftest import CORPUS, TOPICS



def rows(path, sql):
    return sqlite3.connect(path).execute(sql).fetchall()


def test_corpus_build_summary(tmp_path):
    messages = []
    summary = build_kb([CORPUS], tmp_path / "kb.db", TOPICS, messages.append)
    assert (summary.documents, summary.episodes) == (6, 3)
    assert summary.chunks == rows(tmp_path / "kb.db", "select count(*) from chunks")[0][0]
    assert summary.topics >= 20
    assert any(m.startswith("Reading ") for m in messages) and messages[-1].startswith("Writing ")
    assert "6 documents (3 episodes)" in str(summary)


def test_documents_and_turns(corpus_db):
    docs = rows(corpus_db, "select id, kind, episode from documents order by rowid")
    assert [d[1] for d in docs].count("episode") == 3
    assert ("episode-234", "episode", 234) in docs
    announcer = rows(corpus_db, "select start, time, kind from chunks where speaker = 'Announcer'")
    assert announcer == [(3367.0, "56:07", "boilerplate")]
    first = rows(corpus_db, "select speaker, start, start_estimated from chunks "
                            "where document_id = 'episode-234' and kind = 'transcript' order by ordinal limit 1")
    assert first == [("Robert Crane", 43.0, 0)]


def test_topics_table_and_document_topics(corpus_db):
    counts = dict(rows(corpus_db, "select name, chunk_count from topics"))
    for name in ("MFA", "Business Voice", "F1/F3 licensing"):
        assert counts[name] > 0
    tagged = rows(corpus_db, "select count(*) from chunk_topics ct join topics t on t.id = ct.topic_id "
                             "where t.name = 'MFA'")[0][0]
    assert tagged == counts["MFA"]
    doc_topics = json.loads(rows(corpus_db, "select topics from documents where id = 'episode-234'")[0][0])
    assert "F1/F3 licensing" in doc_topics and "Business Voice" in doc_topics


def test_fts_table_finds_words(corpus_db):
    hits = rows(corpus_db, "select c.speaker from chunks_fts f join chunks c on c.id = f.rowid "
                           "where chunks_fts match 'walkie'")
    assert hits and all(speaker for (speaker,) in hits)


def test_same_sources_same_rows(tmp_path):
    build_kb([CORPUS], tmp_path / "a.db", TOPICS)
    build_kb([CORPUS], tmp_path / "b.db", TOPICS)
    a, b = sqlite_utils.Database(tmp_path / "a.db"), sqlite_utils.Database(tmp_path / "b.db")
    tables = [t for t in a.table_names() if not t.startswith("chunks_fts")]
    assert tables == [t for t in b.table_names() if not t.startswith("chunks_fts")]
    for table in tables:
        assert list(a[table].rows) == list(b[table].rows), table


def test_parallel_analysis_writes_the_same_rows(tmp_path, monkeypatch):
    # Big builds count terms and tag topics in forked runs and merge them: the rows must be those
    # of the one-process build, term ids and postings included.
    build_kb([CORPUS], tmp_path / "serial.db", TOPICS)
    monkeypatch.setattr("kb.build.PARALLEL_FROM_CHUNKS", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    messages = []
    build_kb([CORPUS], tmp_path / "parallel.db", TOPICS, messages.append)
    assert any(m.startswith("Indexed ") and " of " in m for m in messages)
    a, b = sqlite_utils.Database(tmp_path / "serial.db"), sqlite_utils.Database(tmp_path / "parallel.db")
    for table in ("chunks", "chunk_topics", "terms", "chunk_keywords", "topics", "documents"):
        assert list(a[table].rows) == list(b[table].rows), table


def test_strict_build_fails_and_leaves_old_db(tmp_path):
    db = tmp_path / "kb.db"
    build_kb([CORPUS], db, TOPICS)
    before = db.read_bytes()
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(IngestError, match="file is empty"):
        build_kb([CORPUS, empty], db, TOPICS, strict=True)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.txt", "kb.db"]  # no temp file or lock left


def test_a_bad_file_is_skipped_and_counted(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.warns(IngestWarning) as caught:
        summary = build_kb([CORPUS, empty], tmp_path / "kb.db", TOPICS)
    assert [str(w.message) for w in caught] == [f"{empty}: file is empty; the file was skipped, the other sources were read"]
    assert (summary.documents, summary.skipped) == (6, 1) and str(summary).endswith(f"{summary.topics} topics, 1 file skipped in {summary.seconds:.1f}s")


def test_nothing_readable_is_an_error_and_leaves_old_db(tmp_path):
    db = tmp_path / "kb.db"
    build_kb([CORPUS], db, TOPICS)
    before = db.read_bytes()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "empty.txt").write_text("")
    (tmp_path / "bad" / "blank.vtt").write_text("WEBVTT\n")
    with pytest.raises(IngestError, match="blank.vtt, line 1: WebVTT file has no cues"):
        build_kb([tmp_path / "bad"], db, TOPICS)
    assert db.read_bytes() == before


@pytest.mark.parametrize("step, error", [
    ("write_postings", KeyboardInterrupt),  # the last step, after rows and full text are written
    ("write_full_text", sqlite3.OperationalError),  # the step that runs in a second thread
])
def test_interrupted_write_leaves_old_db(tmp_path, monkeypatch, step, error):
    db = tmp_path / "kb.db"
    build_kb([CORPUS], db, TOPICS)
    before = db.read_bytes()

    def interrupted(*args, **kwargs):
        raise error("stopped")

    monkeypatch.setattr(f"kb.build.{step}", interrupted)
    with pytest.raises(error):
        build_kb([CORPUS], db, TOPICS)
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["kb.db"]


# Crashes and concurrency: what a killed build leaves, two builds of one kb.db, forked workers.

def test_next_build_removes_what_a_killed_build_left(tmp_path):
    db = tmp_path / "kb.db"
    left = tmp_path / ".kb.db.k2x9_a.tmp"
    left.write_bytes(b"x" * 3000)
    other = tmp_path / ".other.db.k2x9_a.tmp"  # another database's build: not ours to remove
    other.write_bytes(b"y")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_kb([CORPUS], db, TOPICS)
    assert not left.exists() and other.exists() and db.exists()
    assert [str(w.message) for w in caught if issubclass(w.category, IngestWarning)] == [
        f"removed 1 temporary file(s) left by an interrupted build of {db}: .kb.db.k2x9_a.tmp (3,000 bytes)"]


def test_a_second_build_waits_for_the_first(tmp_path):
    db = tmp_path / "kb.db"
    said = []
    with exclusive(db):  # as a first build holds it
        second = threading.Thread(target=build_kb, args=([CORPUS], db, TOPICS, said.append))
        second.start()
        second.join(timeout=1.5)
        assert second.is_alive() and not db.exists()  # waiting, not writing beside the first
        assert said == [f"Waiting for process {os.getpid()}, which is writing {db}"]
    second.join(timeout=60)
    assert not second.is_alive() and db.exists()
    assert not (tmp_path / ".kb.db.lock").exists()  # each removes the lock it held


def test_a_lock_removed_as_a_build_waited_is_not_held_twice(tmp_path):
    # The first holder removes the lock file as it ends; the one that waited on that file must lock
    # the new one, or a third writer could lock a new file beside it and both would write.
    db = tmp_path / "kb.db"
    events = []

    def second():
        with exclusive(db):
            events.append("second in")
            time.sleep(0.3)
            events.append("second out")

    def third():
        with exclusive(db):
            events.append("third in")
            events.append("third out")

    with exclusive(db):
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.3)
    time.sleep(0.05)
    late = threading.Thread(target=third)
    late.start()
    waiter.join(5)
    late.join(5)
    assert events in (["second in", "second out", "third in", "third out"],
                      ["third in", "third out", "second in", "second out"])
    assert not (tmp_path / ".kb.db.lock").exists()


def parent_death_signal(_=None) -> int:
    import ctypes
    value = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(value))  # PR_GET_PDEATHSIG
    return value.value


def test_forked_workers_die_with_the_build():
    # A build killed while its workers count terms must not leave them running: each worker asks
    # the kernel for SIGKILL when its parent dies.
    import multiprocessing
    import signal
    from kb.build import start_worker
    with multiprocessing.get_context("fork").Pool(1, initializer=start_worker) as pool:
        assert pool.map(parent_death_signal, [0]) == [signal.SIGKILL]
    with multiprocessing.get_context("fork").Pool(1) as pool:  # what a worker has without it
        assert pool.map(parent_death_signal, [0]) == [0]


def sigterm_is_default(_) -> bool:
    import signal
    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_workers_end_at_sigterm_though_kb_build_turns_it_into_an_exit():
    # `kb build` (run in this process by other tests) makes SIGTERM raise SystemExit; forked
    # workers inherited that, and one exiting through Python while it held the pool's task lock
    # hung the build in CI. The pool's SIGTERM must end a worker at once.
    import multiprocessing
    import signal
    from kb.build import start_worker
    from kb.cli import stop_cleanly
    before = signal.signal(signal.SIGTERM, stop_cleanly)
    try:
        with multiprocessing.get_context("fork").Pool(2, initializer=start_worker) as pool:
            assert pool.map(sigterm_is_default, [0, 1]) == [True, True]
        # What a worker had before, shown by a bare forked process: a pool of such workers can
        # hang at its own end, as in CI, and once did here.
        context = multiprocessing.get_context("fork")
        theirs, ours = context.Pipe(duplex=False)
        child = context.Process(target=lambda: ours.send(sigterm_is_default(0)))
        child.start()
        assert theirs.recv() is False
        child.join(10)
    finally:
        signal.signal(signal.SIGTERM, before)
