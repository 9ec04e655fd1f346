"""hitta's command line: parses options, calls the Hitta library object, formats output and exit codes."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from hitta.corpus.store import one_line
from hitta.library import SAMPLES_DIR, USER_ERRORS, Hitta, known_languages
from hitta.pipeline.entities import VALUE_TYPES, display_value

ENTITY_CHOICES = VALUE_TYPES


class HittaGroup(click.Group):
    """A click group that turns unexpected errors into one-line messages unless --debug is given."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            _quiet_broken_pipe()
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc
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


def _hitta(ctx: click.Context) -> Hitta:
    """Return the library object of the --home folder (closed by the `with` around each command)."""
    return Hitta(_home(ctx))


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Print the version and exit (click's own option would look it up on every start: importlib.metadata ~50 ms)."""
    if not value or ctx.resilient_parsing:
        return
    from hitta import __version__

    click.echo(f"hitta, version {__version__}")
    ctx.exit()


def _check_languages(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse a --lang value that no record can have (a usage error, not an empty result)."""
    if not values:  # (langdetect's profiles are listed only when needed)
        return values
    known = known_languages()
    for value in values:
        if value.lower() not in known:
            raise click.BadParameter(f"{value!r} is not a language code hitta detects (e.g. sv, da, de, en, und)")
    return values


def _check_years(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse a --year value that is not a four-digit year."""
    for value in values:
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise click.BadParameter(f"{value!r} is not a year: give four digits, e.g. 2021")
    return tuple(value.strip() for value in values)


def _aligned(rows: list[tuple[str, str]]) -> None:
    """Print label/value rows with the values in one column."""
    width = max((len(label) for label, _ in rows), default=0) + 2
    for label, value in rows:
        click.echo(f"{label:<{width}}{value}")


@click.group(cls=HittaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="HITTA_HOME",
    help="Folder of the store and indexes [env HITTA_HOME; default ~/.local/share/hitta].",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version, help="Show the version and exit."
)
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
    type=click.Choice(["pdf", "docx", "odt", "html", "image", "text"]),
    help="Read every input as this format [default: recognised by content, then extension].",
)
@click.option(
    "--from-list",
    "from_list",
    type=click.File("rb"),
    help="Also ingest the paths listed in FILE, one per line (- for stdin); names need not be UTF-8.",
)
@click.option("--no-ner", is_flag=True, help="Rules only for organisations and persons (several times faster).")
@click.option("--no-ocr", is_flag=True, help="Do not OCR scanned PDF pages and images (they fail unless they have text).")
@click.option(
    "--ocr-lang",
    metavar="LANG",
    help="OCR language: sv, da, de, en or Tesseract models (dan+eng) [default: chosen per document].",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Extract on a Dask cluster: its scheduler (tcp://host:8786), or 'local' for --workers processes here.",
)
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
    no_ocr: bool,
    ocr_lang: str | None,
    cluster: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Ingest files, folders (recursive) or - for stdin into the store and indexes.

    Text, Markdown, HTML (main text only), PDF, DOCX, ODT and PNG/JPEG/TIFF images are recognised
    by content; scanned PDF pages and images are OCR'd with Tesseract (Debian: tesseract-ocr). Each
    input is read, cleaned, language-detected and extracted into a record. The same text again is a no-op; the same text under a new path adds that path to the record; a changed
    file replaces its old record. Exit code 1 if any input failed.

    \b
    Example:
        hitta ingest reports/ notes.txt report.pdf
        cat page.html | hitta ingest -
        find crawl/ -name '*.htm' | hitta ingest --from-list -
        hitta ingest scans/ --ocr-lang da
        hitta ingest reports/ --cluster tcp://scheduler:8786
    """
    from hitta.corpus.ingest import IngestResult, default_workers

    inputs = list(paths)
    if from_list is not None:
        # bytes, as the file system has them: a name that is not UTF-8 is read like one given as PATH
        inputs += [os.fsdecode(line.strip()) for line in from_list if line.strip() and not line.startswith(b"#")]
    if not inputs and not samples:
        raise click.UsageError("give at least one PATH, - for stdin, --from-list FILE or --samples")
    show_progress = not as_json and not quiet and sys.stderr.isatty()
    seen = 0

    def on_result(result: IngestResult) -> None:
        nonlocal seen
        seen += 1
        if as_json:
            click.echo(json.dumps({k: v for k, v in vars(result).items() if v is not None}, ensure_ascii=False))
        elif result.status == "failed":
            click.echo(f"Error: {one_line(result.path)}: {one_line(result.reason or '')}", err=True)
        elif not quiet:
            if show_progress:
                click.echo(f"\r\033[K[{seen}] {result.status:<9} {one_line(result.path)}", err=True, nl=False)
            else:
                click.echo(f"{result.status:<9} {result.record_id}  {one_line(result.path)}")
    stdin = sys.stdin.buffer if "-" in inputs else None
    ocr = _ocr_settings(no_ocr, ocr_lang, workers or default_workers(), show_progress)
    with _hitta(ctx) as hitta:
        summary = hitta.ingest(
            inputs,
            samples=samples,
            workers=workers or default_workers(),
            stdin=stdin,
            max_bytes=max_bytes,
            on_result=on_result,
            use_ner=not no_ner,
            format=fmt,
            ocr=ocr,
            cluster=cluster,
        )
    if show_progress:
        click.echo("\r\033[K", err=True, nl=False)
    data = summary.to_dict()
    if as_json:
        click.echo(json.dumps({"summary": {k: v for k, v in data.items() if k != "failures"}}))
    else:
        click.echo(
            f"{data['new']} new, {data['updated']} updated, {data['unchanged']} unchanged, "
            f"{data['duplicate']} duplicate, {data['failed']} failed ({_home(ctx)})",
            err=quiet,
        )
    if data["failed"]:
        ctx.exit(1)


def _ocr_settings(no_ocr: bool, ocr_lang: str | None, jobs: int, show_progress: bool) -> Any:
    """Return ingest's OCR settings; on a terminal, a progress line of the pages OCR'd."""
    from hitta.pipeline.formats import OcrSettings
    from hitta.pipeline.formats.ocr import tesseract_model

    if ocr_lang:
        try:
            ocr_lang = tesseract_model(ocr_lang)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--ocr-lang") from exc

    def on_page(label: str, done: int, total: int) -> None:
        click.echo(f"\r\033[KOCR {label}: page {done}/{total}", err=True, nl=False)

    return OcrSettings(enabled=not no_ocr, language=ocr_lang, jobs=jobs, on_page=on_page if show_progress else None)


def _echo_hit_json(hit: Any) -> None:
    """Print a search or similar hit as one JSON line (the snippet without highlight marks)."""
    data = hit.to_dict()
    data.pop("highlight")
    click.echo(json.dumps(data, ensure_ascii=False))


def _styled_snippet(highlight: str) -> str:
    return re.sub(r"\[\[(.*?)\]\]", lambda m: click.style(m.group(1), bold=True, fg="yellow"), highlight)


@cli.command()
@click.argument("query", required=False, default="")
@click.option(
    "--mode",
    type=click.Choice(["keyword", "semantic", "hybrid"]),
    default="hybrid",
    show_default=True,
    help="keyword: words and operators (BM25); semantic: meaning (LSA vectors); hybrid: both scores added.",
)
@click.option("--lang", multiple=True, callback=_check_languages, help="Only records in this language (repeatable).")
@click.option("--org", multiple=True, help="Only records naming this organisation (case and genitive insensitive).")
@click.option("--person", multiple=True, help="Only records naming this person.")
@click.option("--email", multiple=True, help="Only records with this e-mail address.")
@click.option("--year", multiple=True, callback=_check_years, help="Only records with a date in this year (YYYY).")
@click.option("--fold-accents", is_flag=True, help="Match without accents: Forderung finds Förderung, Malmo finds Malmö.")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True, help="At most this many hits.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: id, source, title, language, score (0-100), rank, snippet, page, match.")
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
    from hitta.index.fulltext import IndexFormatError, IndexLockedError, QuerySyntaxError

    if not query.strip() and not (lang or org or person or email or year):
        raise click.UsageError("give a QUERY or at least one filter (--lang, --org, --person, --email, --year)")
    try:
        with _hitta(ctx) as hitta:
            hits = hitta.search(
                query,
                mode=mode,
                lang=lang,
                org=org,
                person=person,
                email=email,
                year=year,
                limit=limit,
                fold_accents=fold_accents,
            )
    except QuerySyntaxError as exc:
        raise click.ClickException(str(exc)) from exc
    except (IndexLockedError, IndexFormatError) as exc:
        raise click.ClickException(str(exc)) from exc
    for hit in hits:
        if as_json:
            _echo_hit_json(hit)
        else:
            click.echo(
                f"{hit.rank:>2}. {click.style(hit.title, bold=True)}  [{hit.language}] score {hit.score:g}"
                + (f" ({hit.match})" if hit.match not in ("all", "constraint") else "")
                + f"  {hit.id}"
            )
            click.echo(f"    {one_line(hit.source)}")
            click.echo(f"    {_styled_snippet(hit.highlight)}")
    if not hits and not as_json:
        click.echo("No matches.", err=True)


@cli.command()
@click.argument("doc_id")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True, help="At most this many hits.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output.")
@click.pass_context
def similar(ctx: click.Context, doc_id: str, limit: int, as_json: bool) -> None:
    """List the write-ups nearest to record DOC_ID (id, id prefix, source path or file name).

    \b
    Example:
        hitta similar 000_5546ba91aa34225e.txt
    """
    try:
        with _hitta(ctx) as hitta:
            hits = hitta.similar(doc_id, limit=limit)
    except KeyError as exc:
        raise click.ClickException(
            f"no record with id or source {doc_id!r}: list them with 'hitta export | jq -r .id'"
        ) from exc
    for hit in hits:
        if as_json:
            _echo_hit_json(hit)
        else:
            click.echo(f"{hit.rank:>2}. {hit.title}  [{hit.language}] {hit.score:.3f}  {hit.id}")


@cli.command()
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
@click.pass_context
def show(ctx: click.Context, doc_id: str, as_json: bool) -> None:
    """Show one record by id, unique id prefix, source path or unique file name (- reads one id from stdin).

    \b
    Example:
        hitta show 001_9555f71246780a4f.txt --json | jq .budgets
        hitta search klima --json | head -1 | jq -r .id | hitta show -
    """
    if doc_id == "-":
        given = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if len(given) != 1:
            raise click.UsageError(f"show - reads exactly one id from stdin, got {len(given)}: pipe one (head -1)")
        doc_id = given[0]
        if doc_id.startswith("{"):  # a line of `search --json` or `export`
            doc_id = str(json.loads(doc_id).get("id", doc_id))
    with _hitta(ctx) as hitta:
        record = hitta.get(doc_id)
    if record is None:
        raise click.ClickException(f"no record with id or source {doc_id!r}: list them with 'hitta export | jq -r .id'")
    if as_json:
        _emit_json(record)
        return
    click.echo(click.style(record["title"], bold=True))
    shares = ", ".join(f"{item['language']} {item['share']:.0%}" for item in record["languages"])
    rows = [
        ("id", record["id"]),
        ("sources", ", ".join(one_line(source) for source in record["sources"])),
        ("language", f"{record['language']} ({record['language_score']:.2f}; {shares})"),
    ]
    if record.get("ocr"):
        confidence = record.get("ocr_confidence")
        rows.append(("ocr", "yes" + (f", mean confidence {confidence:.2f}" if confidence is not None else "")))
    for kind in ENTITY_CHOICES:
        values = list(dict.fromkeys(display_value(kind, item) for item in record.get(kind, [])))
        if values:
            rows.append((kind, "; ".join(values)))
    for contact in record.get("contacts", []):
        parts = [contact.get(k) for k in ("name", "role", "organisation", "email", "phone")]
        rows.append(("contact", " · ".join(p for p in parts if p)))
    _aligned(rows)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json", "parquet", "ftm", "csv"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one record per line; json: one array; parquet: a FILE.parquet or a DIR of part files (needs -o); "
    "ftm: FollowTheMoney entities for Aleph; csv: one row per entity occurrence.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE (or DIR for parquet), not stdout.")
@click.option("--redact", is_flag=True, help="Mask persons, e-mails and phones in the text; drop their items.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None, redact: bool) -> None:
    """Export every record as JSON Lines (default), one JSON array, or Parquet.

    \b
    Example:
        hitta export | jq -c '{id, title, budgets}'
        hitta export --format json -o records.json
        hitta export --redact > shareable.jsonl
        hitta export --format ftm -o entities.ftm.json
        hitta export --format csv -o entities.csv
        hitta export --format parquet -o records.parquet
    """
    if fmt == "parquet" and not output:
        raise click.UsageError("--format parquet writes a file or folder: give -o records.parquet or -o DIR")
    with _hitta(ctx) as hitta:
        if output:
            count = hitta.export(output, format=fmt, redact=redact)
            click.echo(f"wrote {count} records to {output}", err=True)
        else:
            try:
                hitta.export(sys.stdout, format=fmt, redact=redact)
                sys.stdout.flush()
            except BrokenPipeError:
                _quiet_broken_pipe()


@cli.command()
@click.option("--type", "kind", type=click.Choice(ENTITY_CHOICES), help="Only this entity type.")
@click.option("--with", "with_value", metavar="VALUE", help="Only entities that co-occur with VALUE.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: type, value, documents.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True,
    help="csv: a header and one row per value (type, value, documents), UTF-8, for spreadsheets.",
)
@click.pass_context
def entities(
    ctx: click.Context, kind: str | None, with_value: str | None, limit: int | None, as_json: bool, fmt: str
) -> None:
    """List entity values with the number of documents they occur in.

    \b
    Example:
        hitta entities --type organisations
        hitta entities --with "Københavns Kommune" --json
        hitta entities --format csv > entities.csv
    """
    with _hitta(ctx) as hitta:
        rows = hitta.entities(kind, with_value=with_value, limit=limit)
    if fmt == "csv":
        from hitta.corpus.csv_export import entity_csv_lines

        try:
            sys.stdout.writelines(entity_csv_lines(rows))
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_broken_pipe()
        return
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
    with _hitta(ctx) as hitta:
        data = hitta.stats()
    if as_json:
        _emit_json(data)
        return
    rows = [
        ("home", str(data["home"])),
        ("records", f"{data['records']} ({data['sources']} sources, {data['indexed']} indexed)"),
        ("languages", ", ".join(f"{k} {v}" for k, v in data["languages"].items())),
    ]
    rows += [(kind, f"{count} distinct") for kind, count in data["distinct_entities"].items()]
    _aligned(rows)


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the full-text and semantic indexes from the store.

    \b
    Example:
        hitta reindex
    """
    from hitta.index.fulltext import IndexLockedError

    def progress(done: int) -> None:
        click.echo(f"full-text index: {done} records", err=True)

    with _hitta(ctx) as hitta:
        try:
            count = hitta.reindex(on_progress=progress)
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
@click.option(
    "--gold",
    "gold_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of gold JSON files, one per source file name.",
)
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
    with _hitta(ctx) as hitta:
        report = score_records(hitta.records(), gold)
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
    with _hitta(ctx) as hitta:
        outcome = hitta.remove(*targets)
    failed = False
    for target, deleted in outcome.items():
        if deleted is None:
            click.echo(f"Error: {one_line(target)}: no record with this id or source (see 'hitta export | jq -r .id')", err=True)
            failed = True
        elif as_json:
            click.echo(json.dumps({"target": target, "deleted": deleted}, ensure_ascii=False))
        else:
            click.echo(f"removed {one_line(target)}" + (f" (record {deleted[0]} deleted)" if deleted else " (record kept: other sources)"))
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
        hitta forget --email anna.berg@example.se
    """
    if not (person or email or phone):
        raise click.UsageError("give --person, --email or --phone")
    with _hitta(ctx) as hitta:
        changes = hitta.forget(person=person, email=email, phone=phone)
    if as_json:
        click.echo(json.dumps({"changed": [vars(change) for change in changes]}, ensure_ascii=False))
    else:
        for change in changes:
            items = ", ".join(f"{count} {kind}" for kind, count in change.items_removed.items())
            renamed = f"; {change.paths_renamed} source paths renamed" if change.paths_renamed else ""
            click.echo(
                f"{change.record_id}  {one_line(change.source)}: {change.spans_removed} spans erased; {items or 'no items'}{renamed}"
            )
        click.echo(f"{len(changes)} records changed")


@cli.command()
@click.option("--repair", is_flag=True, help="Mend any difference found (reindex missing, delete extra).")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_context
def check(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Verify that the store and both indexes agree and every index file reads; exit 1 unless all is well.

    Reports ids missing from or extra in an index, pending index work, a forget that was interrupted,
    damaged index files, and damage to the store file itself. --repair mends all but the last.

    \b
    Example:
        hitta check
        hitta check --repair
    """
    with _hitta(ctx) as hitta:
        report = hitta.repair() if repair else hitta.check()
    if as_json:
        _emit_json(report)
    else:
        click.echo(f"records {report['records']}, store integrity {report['store_integrity']}")
        for key in ("fulltext_missing", "fulltext_extra", "semantic_missing", "semantic_extra"):
            if report[key]:
                click.echo(f"{key.replace('_', ' ')}: {len(report[key])} ({', '.join(report[key][:5])})")
        for key in ("fulltext_damaged", "semantic_damaged"):
            if report[key]:
                click.echo(f"{key.replace('_', ' ')}: {one_line(report[key])}")
        if report["unfinished_erasures"]:
            click.echo(f"unfinished forget: {report['unfinished_erasures']} (killed before the indexes were rebuilt)")
        pending = {target: count for target, count in report["pending"].items() if count}
        if pending:
            click.echo("pending index work: " + ", ".join(f"{count} {target}" for target, count in pending.items()))
        if report["stale_rebuilds"]:
            click.echo(f"left by a killed rebuild: {', '.join(report['stale_rebuilds'])}")
        click.echo("ok" if report["ok"] else report["advice"])
    if not report["ok"]:
        ctx.exit(1)


def main() -> None:
    """Console entry point."""
    cli(obj={})


if __name__ == "__main__":
    main()
