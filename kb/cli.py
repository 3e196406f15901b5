"""The `kb` command: build, search, export, transcribe and serve the knowledge base. Each command
parses its options, calls one library function and reports; every KBError becomes one
`Error: ...` line and exit status 1."""
from __future__ import annotations

import functools
import json
import signal
import sqlite3
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.errors import IngestWarning, KBError

from .audio.options import DEFAULT_ENGINE, ENGINES
from .export import FORMATS
from .paths import bundled
from .cli_audio import audio_speakers, speaker_choice, speakers_summary, transcript_summary
from .schema import CHUNK_KINDS
from .progress import FileProgress
from .serving import check_port, check_servable, metadata_for

if TYPE_CHECKING:
    from .build import BuildSummary

DEFAULT_DB = "kb.db"


class KBGroup(click.Group):
    """Commands whose KBErrors (bad input the user can fix) end as one clean error line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KBError as exc:
            raise click.ClickException(str(exc)) from None


def db_option(help_text: str):
    """The --db option every command shares."""
    return click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help=help_text)


silent_option = click.option("--silent", is_flag=True, help="Print nothing but errors")


def reads_db(command):
    """A kb.db found damaged while the command reads it is one Error: line that says to build again."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .reader import damage_reported

        with damage_reported(kwargs["db"]):
            return command(*args, **kwargs)
    return wrapper


@click.group(cls=KBGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="need-to-know-kb")
def cli():
    """Need to Know KB: search the CIAOPS Need to Know podcast and partner write-ups."""


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path())
@db_option("Database to write")
@click.option("--topics", "topics_path", type=click.Path(dir_okay=False),
              help="Taxonomy YAML  [default: topics.yml here, else the bundled one]")
@click.option("--vocabulary", "vocabulary_path", type=click.Path(dir_okay=False),
              help="Names and word groups YAML (renames, acronyms, everyday words)  "
                   "[default: vocabulary.yml here, else the bundled one]")
@click.option("--strict", is_flag=True,
              help="Stop at the first source that cannot be read, leaving kb.db as it was  "
                   "[default: skip it with a warning and build the rest]")
@click.option("--speakers", "speaker_count", default="auto", show_default=True, metavar="N|auto|none",
              callback=lambda ctx, param, value: speaker_choice(value, allow_none=True),
              help="Speakers in each audio file: a number, 'auto' to estimate it, or 'none' for no speaker labels"
                   " (auto needs the speakers extra; without it, and without --voices, audio has no labels)")
@click.option("--voices", type=click.Path(exists=True, file_okay=False),
              help="A folder of voice samples named after their speakers (Brenton.wav, Susan Smith.mp3): "
                   "the audio's speakers that match one are named")
@silent_option
def build(sources, db, topics_path, vocabulary_path, strict, speaker_count, voices, silent):
    """Build kb.db from sources (files, folders or URLs; default: the bundled corpus/).

    Example: kb build corpus/ feed.xml --db kb.db --voices voices/
    """
    defaulted = click.get_current_context().get_parameter_source("speaker_count") is click.core.ParameterSource.DEFAULT
    speakers = audio_speakers(speaker_count, voices, optional=defaulted)
    summary = run_build(list(sources) or [str(bundled("corpus"))], db, topics_path, silent, strict, speakers,
                        vocabulary_path)
    if not silent:
        click.echo(f"Built {db}: {summary}")


def run_build(sources: list[str], db: str, topics_path: str | None, silent: bool,
              strict: bool = False, speakers=None, vocabulary_path: str | None = None) -> BuildSummary:
    """build_kb with progress and warnings on stderr, and its errors as clean CLI errors."""
    from .build import build_kb  # here: it loads scipy and the parsers, which searching never needs

    progress = None if silent else (lambda message: click.echo(message, err=True))
    signal.signal(signal.SIGTERM, stop_cleanly)
    kept = f"{db} was left as it was." if Path(db).exists() else f"{db} was not written."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IngestWarning)
        try:
            summary = build_kb(sources, db, topics_path or bundled("topics.yml"), progress, strict=strict,
                               speakers=speakers, vocabulary_path=vocabulary_path)
        except KBError as exc:
            raise click.ClickException(f"{exc}\n{kept}")
        except OSError as exc:  # the database folder is missing, read-only or full
            raise click.ClickException(f"cannot write {db}: {exc.strerror or exc}\n{kept}")
        except sqlite3.OperationalError as exc:  # "database or disk is full"
            raise click.ClickException(f"cannot write {db}: {exc}\n{kept}")
    for warning in caught:
        click.echo(f"Warning: {warning.message}", err=True)
    return summary


def stop_cleanly(signum, frame):
    """SIGTERM ends a build as Ctrl+C does: its temporary file is removed and kb.db kept."""
    raise SystemExit(128 + signum)


@cli.command()
@click.argument("query")
@db_option("Database to search")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many results")
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many results (paging)")
@click.option("-t", "--topic", "topics", multiple=True, help="Only chunks on this topic (name or id; repeatable)")
@click.option("-k", "--kind", type=click.Choice(CHUNK_KINDS), help="Only chunks of this kind")
@click.option("--weaker", is_flag=True, help="Also list the weaker matches (passages that score far below the "
              "best, or hold none of the words asked), after the matches")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results")
@reads_db
def search(query, db, limit, offset, topics, kind, weaker, as_json):
    """Ranked search: the best passages for QUERY, with episode, speaker, time and link.
    A speaker named in QUERY ("what did Brenton say about GDAP") has their passages first.

    Example: kb search "F1 price per user" --limit 3
    """
    from .facets import Filters  # numpy: imported by the commands that need it (not by kb serve)
    from .output import format_result, search_notes
    from .query import Query, query_stems
    from .search import knowledge_base

    kb = knowledge_base(db)
    found = kb.search_with_facets(Query(query, limit, offset, Filters(topic=topics, kind=(kind,) if kind else ()),
                                        weaker=weaker))
    for note in search_notes(found):  # on stderr with --json, which stays a plain list of results
        click.echo(note, err=as_json)
    if as_json:
        click.echo(json.dumps(found["results"], indent=2, ensure_ascii=False))
        return
    stems = query_stems(kb.analyse(query).text)
    for rank, r in enumerate(found["results"], 1 + offset):
        click.echo(format_result(rank, r, stems))


@cli.command()
@click.argument("query")
@db_option("Database to search")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many facts")
@click.option("-u", "--unit", help="Only facts in this unit (%, $, points, hours, days, users, date...)")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of facts")
@reads_db
def facts(query, db, limit, unit, as_json):
    """Facts of the write-ups (rates, amounts, points, times, deadlines) about QUERY, best first.

    Example: kb facts "PSTN accelerator"
    """
    from .fact_search import find_facts
    from .output import format_fact
    from .search import knowledge_base

    kb = knowledge_base(db)
    found = find_facts(kb, query, limit, unit)
    searched = kb.corrected(query)
    if searched != query:  # on stderr with --json, which stays a plain list of facts
        click.echo(f"Showing facts for {searched!r}.", err=as_json)
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"No facts about {searched!r}.")
    for rank, fact in enumerate(found, 1):
        click.echo(format_fact(rank, fact))


@cli.command()
@db_option("Database to read")
@click.option("-t", "--topic", "topics", multiple=True, help="Items on this topic (name or id; repeatable: any of them)")
@click.option("--since", help="Items published on or after this date (YYYY-MM-DD or YYYY-MM)")
@click.option("--until", help="Items published on or before this date (YYYY-MM-DD or YYYY-MM)")
@click.option("--episodes", help="Episode numbers, a range such as 230-240 or one number")
@click.option("-q", "--query", help="Items with passages matching this search; highlights are the best of them")
@click.option("--highlights", default=3, show_default=True, type=click.IntRange(0, 20), help="Best passages per item")
@click.option("-f", "--format", "fmt", default="jsonfeed", show_default=True, type=click.Choice(FORMATS),
              help="JSON Feed 1.1, plain JSON, or a Markdown or HTML digest")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout")
@reads_db
def export(db, topics, since, until, episodes, query, highlights, fmt, output):
    """Export episodes and write-ups with their best passages, for a newsletter.

    Example: kb export --topic MFA --since 2020-01 --format markdown -o mfa.md
    """
    from .export.json_feed import ExportWarning
    from .export.renderers import check_output, render_export, write_export
    from .export.selection import ExportOptions, parse_date, parse_episodes
    from .search import knowledge_base

    if output:
        check_output(output, db)
    options = ExportOptions(
        topics=tuple(topics), since=parse_date(since, "--since") if since else None,
        until=parse_date(until, "--until") if until else None,
        episodes=parse_episodes(episodes) if episodes else None, query=query, highlights=highlights,
        filters={k: v for k, v in (("topics", list(topics)), ("since", since), ("until", until),
                                   ("episodes", episodes), ("query", query)) if v},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ExportWarning)
        text, count = render_export(knowledge_base(db), options, fmt)
    for warning in caught:
        click.echo(f"Warning: {warning.message}", err=True)
    if count == 0:
        click.echo("No items matched; the export is empty.", err=True)
    if output:
        write_export(output, text)
        click.echo(f"Wrote {count} item(s) to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@db_option("Database to read")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the files (made if missing; files of the same names are replaced)")
@click.option("--episodes", help="Episode numbers, a range such as 230-240 or one number  [default: every "
              "document with a timed transcript]")
@click.option("--base-url", help="The address the files will be served from, for the URLs in the printed tags, "
              "e.g. https://example.com/transcripts/  [default: the file names alone]")
@reads_db
def publish(db, out, episodes, base_url):
    """Write transcripts (WebVTT, SRT, Podcasting 2.0 JSON) and chapters JSON for the feed.

    Files are named after the document id (episode-234.vtt, .srt, .json, .chapters.json); the
    <podcast:transcript> and <podcast:chapters> tags to paste into each <item> go to stdout.

    Example: kb publish --out site/transcripts --episodes 230-240 --base-url https://example.com/transcripts/
    """
    from .export.selection import parse_episodes
    from .publish import publish as publish_files

    done = publish_files(db, out, parse_episodes(episodes) if episodes else None, base_url)
    for tags in done.tags:
        click.echo(tags)
    if not done.episodes:
        click.echo("No episode with a timed transcript matched; nothing was written.", err=True)
        return
    click.echo(f"Wrote {len(done.files)} files for {len(done.episodes)} episode(s) ({done.cues} cues) to {out}",
               err=True)
    if not base_url:
        click.echo("The tags name the files alone: give --base-url for the address they will be served from.",
                   err=True)


@cli.command()
@click.argument("audio", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-e", "--engine", default=DEFAULT_ENGINE, show_default=True, type=click.Choice(ENGINES),
              help="Transcription engine")
@click.option("-m", "--model", help="A CTranslate2 model folder (faster-whisper), an openai-whisper .pt file "
              "(whisper-timestamped), or a model name already on this machine  [default: the bundled tiny.en]")
@click.option("-l", "--language", default="en", show_default=True, help="Spoken language, or 'auto' to detect it")
@click.option("-o", "--out", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the transcripts (AUDIO's name with .json)")
@click.option("--vocabulary/--no-vocabulary", default=False,
              help="Prompt with the taxonomy's terms (MFA, PSTN, Intune...): more jargon spelt right, a few "
                   "more words lost on long files  [default: no prompt]")
@click.option("--jargon/--no-jargon", default=True,
              help="Respell near-misses of the taxonomy's terms after decoding (\"per view\" -> Purview, \"share "
                   "point\" -> SharePoint); English words are left alone  [default: on]")
@click.option("--speakers", "speaker_count", metavar="N|auto", callback=lambda ctx, param, value: speaker_choice(value),
              help="Label every word and segment with its speaker (Speaker 1, Speaker 2... in order of first "
                   "speech): N speakers, or 'auto' to estimate how many  [default: no speaker labels]")
@click.option("--voice", "voices", multiple=True, metavar="NAME=SAMPLE",
              help="Name a speaker from a voice sample of a few seconds to a minute (repeatable); a speaker "
                   "that matches no sample keeps its number. Implies --speakers auto unless given")
@click.option("--force", is_flag=True, help="Transcribe again, even when the cache holds a transcript")
@silent_option
def transcribe(audio, engine, model, language, out, vocabulary, jargon, speaker_count, voices, force, silent):
    """Transcribe audio with word timestamps, offline and cached, ready for kb build.

    Each transcript is checked against the speech in the file: stretches of speech without words,
    words where nothing is said, and decoding loops are decoded again; what cannot be recovered is a
    warning with the seconds. A long file is decoded a minute at a time, and an interrupted run
    resumes from the last finished minute.

    Example: kb transcribe episode-312.mp3 --speakers 2 --voice Brenton=brenton.wav --out transcripts/
    """
    from .audio.options import TranscribeOptions
    from .audio.transcribe import transcribe_files
    from .audio.vocabulary import default_prompt

    options = TranscribeOptions(engine=engine, model=model, language=None if language == "auto" else language,
                                prompt=default_prompt() if vocabulary else None, jargon=jargon, use_cache=not force,
                                speakers=audio_speakers(speaker_count, voices=voices))
    bar = FileProgress(silent)
    try:
        results = transcribe_files(audio, options, out, on_file=bar.start, progress=bar.update)
    finally:
        bar.close()
    for r in results:
        if r.error:
            click.echo(f"Error: {r.error}", err=True)
            continue
        if r.warning:
            click.echo(f"Warning: {r.warning}", err=True)
        if not silent:
            click.echo(transcript_summary(r.output, r.transcript))
            if r.transcript.get("speakers"):
                click.echo(speakers_summary(r.transcript))
    failed = [r for r in results if r.error]
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(results)} file(s) could not be transcribed; "
                                   "the others were written")


@cli.command()
@db_option("Database to serve")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host to listen on")
@click.option("--metadata", type=click.Path(exists=True, dir_okay=False),
              help="Datasette metadata  [default: metadata.yml here, else the bundled one]")
def serve(db, port, host, metadata):
    """Serve kb.db with Datasette (immutable), building it first if it is missing.

    Example: kb serve --port 8001, then open http://127.0.0.1:8001/
    """
    check_port(host, port)
    if any(c in db for c in "#?%"):  # Datasette opens the file by an unquoted file: URI
        raise click.ClickException(f"{db}: Datasette cannot open a file whose path holds '#', '?' or '%'; "
                                   "rename it (kb search and kb publish read it as it is)")
    if not Path(db).exists():
        click.echo(f"{db} not found: building it from the bundled corpus first", err=True)
        run_build([str(bundled("corpus"))], db, None, silent=False)
    check_servable(db)
    meta_path = metadata or str(bundled("metadata.yml"))
    meta = metadata_for(db, meta_path)
    click.echo(f"Serving {db} at http://{host}:{port}/ (Ctrl+C stops it)", err=True)
    from .datasette_main import serve_datasette  # in this process: a second interpreter costs 0.1 s

    serve_datasette(["serve", "-i", db, "-m", meta_path, "-p", str(port), "-h", host], metadata=meta)


if __name__ == "__main__":
    cli()
