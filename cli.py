"""hitta's command line: parses options, calls the pipeline, store and indexes, formats output."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from hitta import __version__ as VERSION
SAMPLES_DIR = Path(__file__).resolve().parent / "corpus" / "samples"
ENTITY_CHOICES = ("organisations", "persons", "emails", "phones", "budgets", "dates")


class HittaGroup(click.Group):
    """A click group that turns unexpected errors into one-line messages unless --debug is given."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            _quiet_broken_pipe()
        except Exception as exc:  # noqa: BLE001 - the user sees one line; --debug shows the traceback
            if (ctx.obj or {}).get("debug") or "--debug" in sys.argv:
                raise
            raise click.ClickException(f"{exc} ({type(exc).__name__}; rerun with --debug for the traceback)") from exc


def _quiet_broken_pipe() -> None:
    """End quietly when the reader of stdout went away (`hitta export | head`)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(0)


def _home(ctx: click.Context) -> Path:
    return ctx.obj["home"]


def _emit_json(data: Any, pretty: bool = True) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None))


def _open_store(ctx: click.Context) -> Any:
    from hitta.corpus.store import Store, StoreError

    try:
        return Store(_home(ctx))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=HittaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="HITTA_HOME",
    help="Folder of the store and indexes [env HITTA_HOME; default ~/.local/share/hitta].",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(VERSION, prog_name="hitta")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, debug: bool) -> None:
    """Ingest, extract and search Swedish, Danish and German project write-ups.

    \b
    Example:
        hitta ingest --samples
        hitta search "renovering" --lang da
        hitta export | jq .title
    """
    from hitta.corpus.store import default_home

    ctx.ensure_object(dict)
    ctx.obj["home"] = home or default_home()
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("paths", nargs=-1, type=str)
@click.option("--samples", is_flag=True, help="Also ingest the five bundled sample write-ups.")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Extraction processes [default: CPU cores].")
@click.option("--max-bytes", type=click.IntRange(1), default=None, help="Skip files larger than this [default: 20 MiB].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "docx", "odt", "html", "text"]),
    help="Read every input as this format [default: recognised by content, then extension].",
)
@click.option(
    "--from-list",
    "from_list",
    type=click.File("r", encoding="utf-8"),
    help="Also ingest the paths listed in FILE, one per line (- for stdin).",
)
@click.option("--no-ner", is_flag=True, help="Rules only for organisations and persons (several times faster).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line per input and a JSON summary.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    samples: bool,
    workers: int | None,
    max_bytes: int | None,
    fmt: str | None,
    from_list: Any,
    no_ner: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Ingest files, folders (recursive) or - for stdin into the store and indexes.

    Text, Markdown, HTML (main text only), PDF (text layer), DOCX and ODT are recognised by
    content. Each input is read, cleaned, language-detected and extracted into a record. The same text
    again is a no-op; the same text under a new path adds that path to the record; a changed
    file replaces its old record. Exit code 1 if any input failed.

    \b
    Example:
        hitta ingest reports/ notes.txt report.pdf
        cat page.html | hitta ingest -
        find crawl/ -name '*.htm' | hitta ingest --from-list -
    """
    from hitta.corpus.ingest import IngestResult, default_workers
    from hitta.corpus.ingest import ingest as run_ingest

    inputs = list(paths) + ([str(SAMPLES_DIR)] if samples else [])
    if from_list is not None:
        inputs += [line.strip() for line in from_list if line.strip() and not line.startswith("#")]
    if not inputs:
        raise click.UsageError("give at least one PATH, - for stdin, --from-list FILE or --samples")
    show_progress = not as_json and not quiet and sys.stderr.isatty()
    seen = 0

    def on_result(result: IngestResult) -> None:
        nonlocal seen
        seen += 1
        if as_json:
            click.echo(json.dumps({k: v for k, v in vars(result).items() if v is not None}, ensure_ascii=False))
        elif result.status == "failed":
            click.echo(f"Error: {result.path}: {result.reason}", err=True)
        elif not quiet:
            if show_progress:
                click.echo(f"\r\033[K[{seen}] {result.status:<9} {result.path}", err=True, nl=False)
            else:
                click.echo(f"{result.status:<9} {result.record_id}  {result.path}")
    stdin = sys.stdin.buffer if "-" in inputs else None
    summary = run_ingest(
        inputs,
        _home(ctx),
        workers=workers or default_workers(),
        stdin=stdin,
        max_bytes=max_bytes,
        on_result=on_result,
        use_ner=not no_ner,
        format=fmt,
    )
    if show_progress:
        click.echo("\r\033[K", err=True, nl=False)
    data = summary.to_dict()
    if as_json:
        click.echo(json.dumps({"summary": {k: v for k, v in data.items() if k != "failures"}}))
    else:
        click.echo(
            f"{data['new']} new, {data['updated']} updated, {data['duplicate']} duplicate, "
            f"{data['failed']} failed ({_home(ctx)})",
            err=quiet,
        )
    if data["failed"]:
        ctx.exit(1)


def _styled_snippet(highlight: str) -> str:
    return re.sub(r"\[\[(.*?)\]\]", lambda m: click.style(m.group(1), bold=True, fg="yellow"), highlight)


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--mode", type=click.Choice(["keyword", "semantic", "hybrid"]), default="hybrid", show_default=True)
@click.option("--lang", multiple=True, help="Only records in this language (repeatable).")
@click.option("--org", multiple=True, help="Only records naming this organisation (case and genitive insensitive).")
@click.option("--person", multiple=True, help="Only records naming this person.")
@click.option("--email", multiple=True, help="Only records with this e-mail address.")
@click.option("--year", multiple=True, help="Only records with a date in this year.")
@click.option("--fold-accents", is_flag=True, help="Match without accents: Forderung finds Förderung, Malmo finds Malmö.")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: id, source, title, language, score, rank, snippet.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    mode: str,
    lang: tuple[str, ...],
    org: tuple[str, ...],
    person: tuple[str, ...],
    email: tuple[str, ...],
    year: tuple[str, ...],
    fold_accents: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Search the indexed write-ups; QUERY uses whoosh syntax (see README).

    \b
    Example:
        hitta search renovering --lang da
        hitta search 'Förderung AND year:2020' --mode keyword
        hitta search --org "Københavns Kommune" --json | jq .title
    """
    from hitta.index.fulltext import FullTextIndex, IndexFormatError, IndexLockedError, QuerySyntaxError
    from hitta.index.search import build_filters
    from hitta.index.search import search as run_search

    filters = build_filters(lang, org, person, email, year)
    if not query.strip() and not filters:
        raise click.UsageError("give a QUERY or at least one filter (--lang, --org, --person, --email, --year)")
    if not FullTextIndex(_home(ctx)).exists():
        raise click.ClickException(f"no index in {_home(ctx)}: run 'hitta ingest PATH' (or 'hitta reindex') first")
    try:
        hits = run_search(
            _home(ctx),
            query,
            mode=mode if query.strip() else "keyword",
            filters=filters,
            limit=limit,
            fold_accents=fold_accents,
        )
    except QuerySyntaxError as exc:
        raise click.ClickException(str(exc)) from exc
    except (IndexLockedError, IndexFormatError) as exc:
        raise click.ClickException(str(exc)) from exc
    for hit in hits:
        if as_json:
            data = hit.to_dict()
            data.pop("highlight")
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(
                f"{hit.rank:>2}. {click.style(hit.title, bold=True)}  [{hit.language}] score {hit.score:g}  {hit.id}"
            )
            click.echo(f"    {hit.source}")
            click.echo(f"    {_styled_snippet(hit.highlight)}")
    if not hits and not as_json:
        click.echo("No matches.", err=True)


@cli.command()
@click.argument("doc_id")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output.")
@click.pass_context
def similar(ctx: click.Context, doc_id: str, limit: int, as_json: bool) -> None:
    """List the write-ups nearest to record DOC_ID in the semantic index.

    \b
    Example:
        hitta similar 3f2a9c1e
    """
    from hitta.index.search import similar as run_similar

    try:
        hits = run_similar(_home(ctx), doc_id, limit=limit)
    except KeyError as exc:
        raise click.ClickException(f"no record with id {doc_id!r}: list ids with 'hitta export | jq -r .id'") from exc
    for hit in hits:
        if as_json:
            data = hit.to_dict()
            data.pop("highlight")
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(f"{hit.rank:>2}. {hit.title}  [{hit.language}] {hit.score:.3f}  {hit.id}")


@cli.command()
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
@click.pass_context
def show(ctx: click.Context, doc_id: str, as_json: bool) -> None:
    """Show one record by id (or unique id prefix, or source path).

    \b
    Example:
        hitta show 3f2a9c1e --json | jq .budgets
    """
    with _open_store(ctx) as store:
        record = store.get(doc_id) or store.get_by_source(doc_id)
    if record is None:
        raise click.ClickException(f"no record with id or source {doc_id!r}: list them with 'hitta export | jq -r .id'")
    if as_json:
        _emit_json(record)
        return
    click.echo(click.style(record["title"], bold=True))
    click.echo(f"id        {record['id']}")
    click.echo(f"sources   {', '.join(record['sources'])}")
    shares = ", ".join(f"{item['language']} {item['share']:.0%}" for item in record["languages"])
    click.echo(f"language  {record['language']} ({record['language_score']:.2f}; {shares})")
    for kind in ENTITY_CHOICES:
        values = _distinct_values(record, kind)
        if values:
            click.echo(f"{kind:<14}{'; '.join(values)}")
    for contact in record.get("contacts", []):
        parts = [contact.get(k) for k in ("name", "role", "organisation", "email", "phone")]
        click.echo(f"contact       {' · '.join(p for p in parts if p)}")


def _distinct_values(record: dict[str, Any], kind: str) -> list[str]:
    from hitta.corpus.store import entity_values

    seen: dict[str, None] = {}
    for entity_kind, value in entity_values({kind: record.get(kind, [])}):
        if entity_kind == kind:
            seen.setdefault(value)
    return list(seen)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option("--redact", is_flag=True, help="Mask persons, e-mails and phones in the text; drop their items.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None, redact: bool) -> None:
    """Export every record as JSON Lines (default) or one JSON array.

    \b
    Example:
        hitta export | jq -c '{id, title, budgets}'
        hitta export --format json -o records.json
        hitta export --redact > shareable.jsonl
    """
    from hitta.corpus.erase import redact_record

    with _open_store(ctx) as store:
        records = store.iter_records()
        if redact:
            records = (redact_record(record) for record in records)
        lines = _export_lines(records, fmt)
        if output:
            tmp = output.with_name(output.name + ".part")
            with open(tmp, "w", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(line)
            os.replace(tmp, output)
            click.echo(f"wrote {store.count()} records to {output}", err=True)
        else:
            try:
                for line in lines:
                    sys.stdout.write(line)
                sys.stdout.flush()
            except BrokenPipeError:
                _quiet_broken_pipe()


def _export_lines(records: Iterator[dict[str, Any]], fmt: str) -> Iterator[str]:
    if fmt == "jsonl":
        for record in records:
            yield json.dumps(record, ensure_ascii=False) + "\n"
        return
    yield "["
    for number, record in enumerate(records):
        yield ("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


@cli.command()
@click.option("--type", "kind", type=click.Choice(ENTITY_CHOICES), help="Only this entity type.")
@click.option("--with", "with_value", metavar="VALUE", help="Only entities that co-occur with VALUE.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: type, value, documents.")
@click.pass_context
def entities(ctx: click.Context, kind: str | None, with_value: str | None, limit: int | None, as_json: bool) -> None:
    """List entity values with the number of documents they occur in.

    \b
    Example:
        hitta entities --type organisations
        hitta entities --with "Københavns Kommune" --json
    """
    with _open_store(ctx) as store:
        rows = store.entity_counts(kind, with_value=with_value, limit=limit)
    for entity_type, value, documents in rows:
        if as_json:
            click.echo(json.dumps({"type": entity_type, "value": value, "documents": documents}, ensure_ascii=False))
        else:
            click.echo(f"{documents:>5}  {entity_type:<14} {value}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show counts of records, sources, languages and entities, and index sizes.

    \b
    Example:
        hitta stats --json | jq .records
    """
    from hitta.index.fulltext import FullTextIndex

    with _open_store(ctx) as store:
        data = store.stats()
    data["indexed"] = FullTextIndex(_home(ctx)).doc_count()
    if as_json:
        _emit_json(data)
        return
    click.echo(f"home       {data['home']}")
    click.echo(f"records    {data['records']} ({data['sources']} sources, {data['indexed']} indexed)")
    click.echo("languages  " + ", ".join(f"{k} {v}" for k, v in data["languages"].items()))
    for kind, count in data["distinct_entities"].items():
        click.echo(f"{kind:<11}{count} distinct")


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the full-text and semantic indexes from the store.

    \b
    Example:
        hitta reindex
    """
    from hitta.corpus.sync import rebuild_indexes
    from hitta.index.fulltext import FullTextIndex, IndexLockedError

    def progress(done: int) -> None:
        click.echo(f"full-text index: {done} records", err=True)

    with _open_store(ctx) as store:
        try:
            count = rebuild_indexes(store, FullTextIndex(_home(ctx)), on_progress=progress)
        except (IndexLockedError, TimeoutError) as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"reindexed {count} records in {_home(ctx)}")


@cli.command()
@click.argument("source", type=str)
@click.option("--lines", is_flag=True, help="One result per input line.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (JSON Lines with --lines).")
def detect(source: str, lines: bool, as_json: bool) -> None:
    """Detect the language of FILE (or - for stdin), whole or line by line.

    \b
    Example:
        hitta detect report.txt
        hitta detect --lines --json sentences.txt | jq -r .language
    """
    from hitta.pipeline.language import detect_language, detect_lines
    from hitta.pipeline.read import ReadFailure, iter_sources

    stdin = sys.stdin.buffer if source == "-" else None
    items = list(iter_sources([source], stdin=stdin))
    failures = [item for item in items if isinstance(item, ReadFailure)]
    if failures:
        raise click.ClickException(f"{failures[0].path}: {failures[0].reason}")
    text = "\n".join(item.text for item in items)
    if lines:
        input_lines = text.splitlines()
        for line, (language, score) in zip(input_lines, detect_lines(input_lines)):
            if as_json:
                click.echo(json.dumps({"language": language, "score": round(score, 4), "text": line}, ensure_ascii=False))
            else:
                click.echo(f"{language}\t{score:.3f}\t{line}")
        return
    detection = detect_language(text)
    if as_json:
        _emit_json(
            {"language": detection.language, "score": round(detection.score, 4), "languages": detection.languages}
        )
    else:
        shares = ", ".join(f"{item['language']} {item['share']:.0%}" for item in detection.languages)
        click.echo(f"{detection.language}\t{detection.score:.3f}\t{shares}")


@cli.command()
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.pass_context
def evaluate(ctx: click.Context, gold_dir: Path, as_json: bool) -> None:
    """Score the stored records against gold annotations (matched by file name).

    Precision, recall and F1 per entity type, and language accuracy. Ingest the texts first.

    \b
    Example:
        hitta ingest --samples && hitta evaluate --gold tests/gold
    """
    from hitta.corpus.evaluate import format_report, load_gold, score_records

    try:
        gold = load_gold(gold_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    with _open_store(ctx) as store:
        report = score_records(store.iter_records(), gold)
    if as_json:
        _emit_json(report)
    else:
        click.echo(format_report(report))


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def remove(ctx: click.Context, targets: tuple[str, ...], as_json: bool) -> None:
    """Remove records by ID (all their sources) or by SOURCE path, from the store and indexes.

    \b
    Example:
        hitta remove 5546ba91
        hitta remove reports/old.txt
    """
    from hitta.corpus.erase import remove as remove_target
    from hitta.corpus.sync import sync_fulltext, sync_semantic
    from hitta.index.fulltext import FullTextIndex

    failed = False
    with _open_store(ctx) as store:
        for target in targets:
            try:
                deleted = remove_target(store, target)
            except KeyError:
                click.echo(f"Error: {target}: no record with this id or source (see 'hitta export | jq -r .id')", err=True)
                failed = True
                continue
            if as_json:
                click.echo(json.dumps({"target": target, "deleted": deleted}, ensure_ascii=False))
            else:
                click.echo(f"removed {target}" + (f" (record {deleted[0]} deleted)" if deleted else " (record kept: other sources)"))
        sync_fulltext(store, FullTextIndex(_home(ctx)))
        sync_semantic(store)
    if failed:
        ctx.exit(1)


@cli.command()
@click.option("--person", help="Full name of the person to forget.")
@click.option("--email", help="E-mail address to forget.")
@click.option("--phone", help="Phone number to forget (any format).")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def forget(ctx: click.Context, person: str | None, email: str | None, phone: str | None, as_json: bool) -> None:
    """Erase a person's name, e-mail and phone (or one address or number) from every record and index.

    The text keeps a [forgotten] placeholder; the store is compacted and both indexes are rebuilt, so
    no file under the home folder keeps the erased values.

    \b
    Example:
        hitta forget --person "Tine Ane Nielsen"
        hitta forget --email bw6v@okf.kk.dk
    """
    from hitta.corpus.erase import forget as forget_values
    from hitta.corpus.sync import rebuild_indexes
    from hitta.index.fulltext import FullTextIndex

    if not (person or email or phone):
        raise click.UsageError("give --person, --email or --phone")
    with _open_store(ctx) as store:
        changes = forget_values(store, person=person, email=email, phone=phone)
        if changes:
            rebuild_indexes(store, FullTextIndex(_home(ctx)))
    if as_json:
        click.echo(json.dumps({"changed": [vars(change) for change in changes]}, ensure_ascii=False))
    else:
        for change in changes:
            items = ", ".join(f"{count} {kind}" for kind, count in change.items_removed.items())
            click.echo(f"{change.record_id}  {change.source}: {change.spans_removed} spans erased; {items or 'no items'}")
        click.echo(f"{len(changes)} records changed")


@cli.command()
@click.option("--repair", is_flag=True, help="Mend any difference found (reindex missing, delete extra).")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def check(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Verify that the store and both indexes agree; exit 1 on a difference unless --repair mends it.

    \b
    Example:
        hitta check
        hitta check --repair
    """
    from hitta.corpus.sync import check_indexes, repair_indexes
    from hitta.index.fulltext import FullTextIndex

    fulltext = FullTextIndex(_home(ctx))
    with _open_store(ctx) as store:
        report = check_indexes(store, fulltext)
        if repair and not report["ok"]:
            repair_indexes(store, fulltext, report)
            report = {**check_indexes(store, fulltext), "repaired": True}
    if as_json:
        _emit_json(report)
    else:
        click.echo(f"records {report['records']}, store integrity {report['store_integrity']}")
        for key in ("fulltext_missing", "fulltext_extra", "semantic_missing", "semantic_extra"):
            if report[key]:
                click.echo(f"{key.replace('_', ' ')}: {len(report[key])} ({', '.join(report[key][:5])})")
        click.echo("ok" if report["ok"] else "store and indexes differ: run 'hitta check --repair'")
    if not report["ok"]:
        ctx.exit(1)


def main() -> None:
    """Console entry point."""
    cli(obj={})


if __name__ == "__main__":
    main()
