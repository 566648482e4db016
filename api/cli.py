"""The ``citeqa`` command line: a thin layer over the library (which never prints).

Commands: ``ingest``, ``search``, ``ask``, ``serve``, ``eval``, ``bench-retrieval``, ``bench-pdf``.
Exit status: 0 success, 1 a runtime failure (no index, model mismatch, nothing indexable,
eval thresholds violated), 2 bad usage or input.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from citeqa.api import views
from citeqa.api.schemas import MAX_K, MAX_QUESTION_CHARS
from rich.console import Console
from rich.text import Text

from citeqa.settings import Settings

logger = logging.getLogger(__name__)

app = typer.Typer(
    name="citeqa",
    help="Extractive literature QA with exact citations: every figure quoted verbatim from the corpus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class ModeChoice(str, Enum):
    hybrid = "hybrid"
    dense = "dense"
    bm25 = "bm25"


class SplitChoice(str, Enum):
    train = "train"
    dev = "dev"
    test = "test"


class CliError(Exception):
    """A failure to report in one line, with an exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _out() -> Console:
    return Console(soft_wrap=True, highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 1) -> NoReturn:
    _err().print(Text("error: ", style="bold red") + Text(message))
    raise typer.Exit(code)


@contextmanager
def _friendly() -> Iterator[None]:
    """Turn every library failure into one line on stderr and exit status 1 (2 for CliError(code=2))."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except CliError as exc:
        _fail(exc.message, exc.code)
    except Exception as exc:
        logger.debug("command failed", exc_info=True)
        _fail(_describe(exc))


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if name in {"IndexLoadError", "IndexBuildError", "EmbedderError", "IngestError", "BenchmarkError", "CaseFileError",
                "BenchmarkDataError", "CorpusError", "ThresholdsError", "BenchPdfError", "PackError"}:
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or exc}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}"
    return f"{name}: {exc}"


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    if not isinstance(settings, Settings):  # invoked without the root callback (library use)
        settings = Settings()
    return settings


def make_embedder(settings: Settings) -> Any:
    """The embedding model named by ``settings`` (``citeqa.index.embedder.Embedder``)."""
    from citeqa.index.embedder import Embedder

    return Embedder(settings.model_name())


def load_engine(settings: Settings) -> Any:
    """Load the index and the model once, or raise :class:`CliError` with a friendly message."""
    index_dir = Path(settings.index_dir)
    if not (index_dir / "manifest.json").is_file():
        raise CliError(f"no index at {index_dir} — run `citeqa ingest` first")
    from citeqa.index.store import load_index
    from citeqa.qa.engine import Engine
    from citeqa.qa.vocabulary import load_vocabulary

    embedder = make_embedder(settings)
    index = load_index(index_dir, model=embedder.name, dimension=embedder.dimension)
    return Engine(index, embedder, load_vocabulary(settings.pack))


def _optional(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CliError(f"{what} is not available ({module}: {exc})") from exc


def _quiet_libraries() -> None:
    """Keep model-loading chatter (weight-loading bars, debug logs) off the terminal."""
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("bm25s", "sentence_transformers", "transformers", "faiss"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _quiet_pdf_libraries() -> None:
    """PDF libraries' font and parsing warnings go to the log (``-v``), not the terminal."""
    import warnings

    for name in ("pypdf", "pdfminer", "pypdfium2"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"pypdf(ium2)?\b")


# --- root ----------------------------------------------------------------------------


@app.callback()
def root(
    ctx: typer.Context,
    index: Annotated[Path | None, typer.Option("--index", help="Index folder (default: CITEQA_INDEX_DIR or var/index).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Embedding model path or name (default: the bundled one).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    """citeqa: answers about lymphoma papers, quoted verbatim with their references."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # libraries such as bm25s force their own loggers to DEBUG
    if not verbose:
        _quiet_libraries()
    overrides: dict[str, Any] = {}
    if index is not None:
        overrides["index_dir"] = index
    if model is not None:
        overrides["model"] = model
    try:
        ctx.obj = Settings(**overrides)
    except Exception as exc:  # noqa: BLE001 - pydantic ValidationError of a CITEQA_* variable
        _fail(f"invalid settings (check the CITEQA_* environment variables): {exc}", 2)


# --- ingest --------------------------------------------------------------------------


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: the corpus folder).")] = None,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help="Progress bars (default: on a terminal).")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Also drop indexed documents whose files are gone from the given folders.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Index exactly these files: drop every other indexed document.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as one JSON object (for scripts).")] = False,
) -> None:
    """Add or update documents (.pdf, .txt, .md) in the index, keeping the others: parse (each file in
    a bounded worker), chunk, embed (reusing unchanged chunks), save. Removing is explicit:
    --prune, --replace. Exit status 1 when any file failed (the others are indexed)."""
    settings = _settings(ctx)
    if prune and replace:
        _fail("--prune and --replace exclude each other (--replace already drops everything not given)", 2)
    with _friendly():
        report = _run_ingest(settings, paths, progress, prune, replace)
    _report_ingest(report, as_json)
    if report.errors:
        raise typer.Exit(1)


def _run_ingest(settings: Settings, paths: list[Path] | None, progress: bool | None, prune: bool, replace: bool) -> Any:
    """Build the index as ``citeqa ingest`` asked; returns the ``BuildReport``."""
    import os

    from citeqa.index.store import Existing, build_index
    from citeqa.ingest.pipeline import find_corpus_files
    from citeqa.ingest.worker import parse_in_worker

    sources = list(paths) if paths else [Path(settings.corpus_dir)]
    missing = [p for p in sources if not p.exists()]
    if missing:
        raise CliError(f"no such file or folder: {', '.join(map(str, missing))}")
    files = find_corpus_files(sources)
    if not files:
        raise CliError(f"no .pdf, .txt or .md files in {', '.join(map(str, sources))}")
    show = sys.stderr.isatty() if progress is None else progress
    _quiet_pdf_libraries()
    embedder = make_embedder(settings)
    existing = Existing.replace if replace else Existing.prune if prune else Existing.keep
    limits = settings.parse_limits()

    def waiting(holder: str) -> None:
        _err().print(f"the index is being written by {holder}; waiting for it to finish …")

    # Files named explicitly are what is added; folders are searched (and pruned with --prune).
    return build_index(
        files if not prune else sources, Path(settings.index_dir), embedder, progress=show, existing=existing,
        parse=lambda path: parse_in_worker(path, limits=limits), writer=f"citeqa ingest (pid {os.getpid()})",
        on_wait=waiting,
    )


def _report_ingest(report: Any, as_json: bool) -> None:
    """Print what ``citeqa ingest`` did: each failure and warning once, then a summary line."""
    if as_json:
        typer.echo(json.dumps({
            "index_dir": str(report.index_dir), "documents": report.documents, "chunks": report.chunks,
            "embedded": report.embedded, "reused": report.reused, "kept": report.kept, "unchanged": report.unchanged, "removed": report.removed,
            "seconds": round(report.seconds, 2),
            "failed": [{"path": p, "error": m} for p, m in report.errors],
            "warnings": [{"path": p, "warning": m} for p, m in report.warnings],
        }, ensure_ascii=False))
        return
    err = _err()
    for path, message in report.errors:
        err.print(Text("error: ", style="bold red") + Text(f"{path}: {message}"))
    for _path, message in report.warnings:
        err.print(Text("warning: ", style="bold yellow") + Text(message))
    kept = f", kept {report.kept} other(s)" if report.kept else ""
    kept += f", {report.unchanged} unchanged (not parsed again)" if report.unchanged else ""
    removed = f", removed {report.removed}" if report.removed else ""
    failed = f"; {len(report.errors)} file(s) failed (listed above)" if report.errors else ""
    _out().print(
        f"indexed {report.documents} document(s){kept}{removed}, {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} reused) into {report.index_dir} in {report.seconds:.1f}s{failed}"
    )


# --- search --------------------------------------------------------------------------


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=MAX_K, help="How many passages.")] = 10,
    mode: Annotated[ModeChoice, typer.Option("--mode", help="hybrid, dense or bm25.")] = ModeChoice.hybrid,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank passages for QUERY."""
    settings = _settings(ctx)
    query = query.strip()
    if not query:
        _fail("the query is empty", 2)
    with _friendly():
        engine = load_engine(settings)
        passages = engine.search(query, k=k, mode=mode.value)
        hits = [views.search_hit(engine.index, p) for p in passages]
    if as_json:
        typer.echo(json.dumps({"query": query, "mode": mode.value, "k": k, "results": hits}, ensure_ascii=False))
        return
    out = _out()
    if not hits:
        out.print("no passages found")
    for hit in hits:
        where = _where(hit.get("doc_id"), hit.get("section"), hit.get("table"), hit.get("page"))
        out.print(Text(f"{hit['rank']:>2}. ", style="bold") + Text(f"{hit['score']:.3f}  ", style="cyan") + Text(where, style="dim"))
        out.print(Text("    " + _clip(hit["text"], 400)))
        if hit["references"]:
            out.print(Text("    refs: " + ", ".join(str(r["number"]) for r in hit["references"]), style="dim"))


# --- ask -----------------------------------------------------------------------------


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _where(doc_id: str | None, section: str | None, table: str | None, page: int | None) -> str:
    parts: list[str] = []
    for part in (doc_id, section, table):
        if part and part not in parts:
            parts.append(part)
    if page is not None:
        parts.append(f"p. {page}")
    return " · ".join(parts)


def badge(answer: dict[str, Any]) -> str | None:
    """The badge an answer earns: "sources disagree", "not reported", "not in corpus", "no answer" or None."""
    if answer.get("conflict"):
        return "sources disagree"
    reason = (answer.get("reason") or "").lower().replace("-", "_").replace(" ", "_")
    text = (answer.get("answer") or "").strip().lower()
    if "not_reported" in reason or text.startswith("not reported"):
        return "not reported"
    if answer.get("abstained"):
        if not reason or "corpus" in reason or "not_found" in reason or "no_evidence" in reason:
            return "not in corpus"
        return "no answer"
    return None


def _value_text(value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    unit = value.get("unit") or ""
    sep = "" if unit in ("%", "") else " "

    def fmt(x: float) -> str:
        return f"{x:g}"

    if value.get("low") is not None and value.get("high") is not None:
        return f"{fmt(value['low'])}–{fmt(value['high'])}{sep}{unit}"
    if value.get("number") is not None:
        return f"{fmt(value['number'])}{sep}{unit}"
    return None


def render_answer(answer: dict[str, Any], console: Console) -> None:
    """Print one answer for a person: the answer, its value, a badge, the quotes and references."""
    console.print(Text("Q: ", style="bold") + Text(answer.get("question", "")))
    line = Text("A: ", style="bold") + Text(answer.get("answer") or "", style="bold green" if not answer.get("abstained") else "bold yellow")
    tag = badge(answer)
    if tag:
        line += Text("  ") + Text(f" {tag.upper()} ", style="black on yellow" if tag != "sources disagree" else "white on red")
    console.print(line)
    if answer.get("choice"):
        console.print(Text("   choice: ", style="dim") + Text(answer["choice"], style="bold"))
    for field in ("verdict", "direction"):
        if answer.get(field):
            sure = answer.get("verdict_confidence")
            console.print(Text(f"   {field}: ", style="dim") + Text(answer[field].replace("_", " "), style="bold")
                          + Text(f"   probability {sure:.2f}" if sure is not None else "", style="dim"))
    value = _value_text(answer.get("value"))
    if value:
        console.print(Text("   value: ", style="dim") + Text(value) + Text(f"   confidence {answer.get('confidence', 0):.2f}", style="dim"))
    references: dict[int, str] = {}
    for i, cit in enumerate(answer.get("citations") or [], start=1):
        cell = cit.get("cell") or {}
        where = _where(cit.get("doc_id"), cit.get("section"), cell.get("table"), cit.get("page"))
        if cell:
            block = f"{cell['block']} · " if cell.get("block") else ""
            where += f" · {block}row “{cell.get('row', '')}”, column “{cell.get('column', '')}”"
        console.print(Text(f"  [{i}] ", style="bold cyan") + Text(f"“{cit.get('quote', '')}”", style="italic"))
        console.print(Text(f"      {where}  (chars {cit.get('start')}–{cit.get('end')})", style="dim"))
        for ref in cit.get("references") or []:
            references.setdefault(ref["number"], ref["text"])
    if references:
        console.print(Text("  References:", style="bold"))
        for number, text in sorted(references.items()):
            console.print(Text(f"    {number}. ") + Text(text))
    console.print()


def _check_question(question: str) -> str | None:
    """An error message for an unusable question, or None."""
    if not question.strip():
        return "the question is empty"
    if len(question) > MAX_QUESTION_CHARS:
        return f"the question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}"
    return None


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str | None, typer.Argument(help="The question; `-` reads one question a line from stdin; none: interactive.")] = None,
    k: Annotated[int | None, typer.Option("-k", "--k", min=1, max=MAX_K, help="Passages to retrieve.")] = None,
    options: Annotated[list[str] | None, typer.Option("--option", help="A multiple-choice option (repeat for each): the answer's choice is the option a cited quote states.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer contract as JSON (one object a line).")] = False,
) -> None:
    """Answer a QUESTION with verbatim quotes and the references they cite."""
    settings = _settings(ctx)
    k = k or settings.top_k
    if question is not None and question != "-":
        problem = _check_question(question)
        if problem:
            _fail(problem, 2)
    choices = [o.strip() for o in options or []]
    if options is not None and (len(choices) < 2 or not all(choices)):
        _fail("give at least two non-empty --option values", 2)
    with _friendly():
        engine = load_engine(settings)
    out = _out()
    asker = _Asker(engine, k, choices or None)
    if question == "-":
        _ask_stream(asker, as_json, out)
    elif question is None:
        _ask_interactive(asker, as_json, out)
    else:
        with _friendly():
            answer = asker(question.strip())
        _emit(answer, as_json, out)


class _Asker:
    """Asks the engine with the command's ``k`` and ``--option`` values; returns the Answer as a dict."""

    def __init__(self, engine: Any, k: int, options: list[str] | None) -> None:
        self.engine, self.k, self.options = engine, k, options

    def __call__(self, question: str) -> dict[str, Any]:
        if self.options:
            return self.engine.ask(question, k=self.k, options=self.options).to_dict()
        return self.engine.ask(question, k=self.k).to_dict()


def _emit(answer: dict[str, Any], as_json: bool, out: Console) -> None:
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False))
    else:
        render_answer(answer, out)


def _ask_stream(asker: _Asker, as_json: bool, out: Console) -> None:
    """One question a line from stdin → one answer each, in order; blank lines are skipped.

    A line that cannot be answered yields ``{"question": …, "error": …}`` (JSON) or an error
    line on stderr, and the stream goes on.
    """
    failures = 0
    for raw in sys.stdin:
        question = raw.rstrip("\r\n")
        if not question.strip():
            continue
        problem = _check_question(question)
        try:
            if problem:
                raise ValueError(problem)
            answer = asker(question.strip())
        except Exception as exc:  # noqa: BLE001 - one bad line must not stop the stream
            failures += 1
            message = str(exc) if problem else _describe(exc)
            if as_json:
                typer.echo(json.dumps({"question": question, "error": message}, ensure_ascii=False))
            else:
                _err().print(Text("error: ", style="bold red") + Text(f"{_clip(question, 80)}: {message}"))
            continue
        _emit(answer, as_json, out)
        sys.stdout.flush()
    if failures:
        raise typer.Exit(1)


def _ask_interactive(asker: _Asker, as_json: bool, out: Console) -> None:
    """Prompt for questions until an empty line, `quit` or end of input."""
    if not as_json:
        out.print(Text("Ask about the corpus; an empty line, `quit` or Ctrl-D ends.", style="dim"))
    while True:
        try:
            question = typer.prompt("question", default="", show_default=False, prompt_suffix="> ")
        except (EOFError, typer.Abort):
            break
        if not question.strip() or question.strip().lower() in {"quit", "exit", "q"}:
            break
        problem = _check_question(question)
        if problem:
            _err().print(Text("error: ", style="bold red") + Text(problem))
            continue
        try:
            answer = asker(question.strip())
        except Exception as exc:  # noqa: BLE001 - keep the loop alive
            _err().print(Text("error: ", style="bold red") + Text(_describe(exc)))
            continue
        _emit(answer, as_json, out)


# --- serve ---------------------------------------------------------------------------


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", min=0, max=65535, help="Port (default 8000).")] = None,
    index: Annotated[Path | None, typer.Option("--index", help="Index folder (overrides the global --index).")] = None,
) -> None:
    """Serve the HTTP API and the web page; builds the index from the corpus folder first if missing."""
    from citeqa.api.hosts import is_loopback
    from citeqa.api.server import binding_problem, uvicorn_options

    settings = _settings(ctx)
    updates: dict[str, Any] = {}
    if index is not None:
        updates["index_dir"] = index
    if host is not None:
        updates["host"] = host
    if port is not None:
        updates["port"] = port
    settings = settings.model_copy(update=updates)
    problem = binding_problem(settings)
    if problem is not None:  # before the index or the model is touched
        _fail(problem, 2)
    with _friendly():
        from citeqa.index.store import recover_index

        repaired = recover_index(Path(settings.index_dir))  # an interrupted swap: no rebuild needed
        if repaired.restored is not None:
            _err().print(f"restored the index at {settings.index_dir} after an interrupted update")
        if not (Path(settings.index_dir) / "manifest.json").is_file():
            _err().print(f"no index at {settings.index_dir}: building it from {settings.corpus_dir} …")
            _report_ingest(_run_ingest(settings, None, None, prune=False, replace=False), as_json=False)
        engine = load_engine(settings)
    import uvicorn
    from citeqa.api.app import create_app

    _err().print(f"citeqa serving on http://{settings.host}:{settings.port}/  (API docs at /docs)")
    if not settings.api_key and is_loopback(settings.host):
        _err().print(
            "uploads and deletions need no key: accepted from this service's own page and from clients that are "
            "not browsers; set CITEQA_API_KEY to require one"
        )
    elif not settings.api_key:
        _err().print("uploads and deletions are refused: serving beyond loopback, writes need CITEQA_API_KEY")
    uvicorn.run(
        create_app(settings, engine), host=settings.host, port=settings.port, log_level="info", **uvicorn_options()
    )


# --- eval ----------------------------------------------------------------------------


class SuiteChoice(str, Enum):
    review = "review"
    evidence_inference = "evidence-inference"
    litqa2 = "litqa2"
    pdf = "pdf"
    pubmedqa = "pubmedqa"
    all = "all"


class EvalSplit(str, Enum):
    train = "train"
    validation = "validation"


@app.command("eval")
def eval_(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Review question files (JSONL); default: the bundled set.")] = None,
    suites: Annotated[list[SuiteChoice] | None, typer.Option("--suite", help="Suite to run (repeatable): review (numeric + open, the default), evidence-inference, litqa2, pdf, pubmedqa or all.")] = None,
    split: Annotated[EvalSplit, typer.Option("--split", help="Benchmark split: Evidence Inference train or validation; PubMedQA train = its dev part, validation = its validation part.")] = EvalSplit.validation,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N questions of each suite (a slice).")] = None,
    own_docs: Annotated[bool, typer.Option("--own-docs", help="Index only the documents the selected questions are about (fast slices).")] = False,
    benchmarks: Annotated[Path, typer.Option("--benchmarks", help="Folder holding evidence-inference/ and litqa2/.")] = Path("../shared/benchmarks"),
    pdfs: Annotated[Path, typer.Option("--pdfs", help="Folder of the PDFs the pdf suite asks about.")] = Path("../shared/corpus/pdfs"),
    cache: Annotated[Path, typer.Option("--cache", help="Where benchmark indexes and embeddings are cached.")] = Path("var/cache/eval"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write a Markdown report here.")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    thresholds: Annotated[Path | None, typer.Option("--thresholds", help="Thresholds TOML (default: the bundled one).")] = None,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", help="Progress bars (default: on a terminal).")] = None,
    pack: Annotated[str | None, typer.Option("--pack", help="Domain pack for the benchmark suites (default clinical-trial; the review uses CITEQA_PACK).")] = None,
) -> None:
    """Score the engine on the eval suites, print one table; exit 1 when a threshold is violated."""
    settings = _settings(ctx)
    with _friendly():
        suites_mod = _optional("citeqa.eval.suites", "the eval suites")
        render = _optional("citeqa.eval.report", "the eval report")
        from citeqa.eval.results import SuiteName

        chosen = [c.value for c in suites or [SuiteChoice.review]]
        names = list(suites_mod.ALL) if "all" in chosen else [SuiteName(c) for c in chosen]
        opts = suites_mod.EvalOptions(
            suites=names, question_files=files or None, benchmarks=benchmarks, pdfs=pdfs, split=split.value,
            limit=limit, own_documents=own_docs, cache_dir=cache, thresholds=thresholds,
            progress=sys.stderr.isatty() if progress is None else progress, pack=pack or suites_mod.BENCHMARK_PACK,
        )

        def make_engine(index: Any, embedder: Any, pack: str) -> Any:
            from citeqa.qa.engine import Engine
            from citeqa.qa.vocabulary import load_vocabulary

            return Engine(index, embedder, load_vocabulary(pack))

        run = suites_mod.run_suites(opts, lambda: load_engine(settings), lambda: make_embedder(settings), make_engine)
        for path, text in ((report, render.to_markdown), (junit, render.to_junit)):
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text(run), encoding="utf-8")
    typer.echo(render.to_json(run) if as_json else render.to_text(run))
    raise typer.Exit(1 if run.violations else 0)


@app.command("bench-retrieval")
def bench_retrieval(
    ctx: typer.Context,
    beir: Annotated[Path, typer.Option("--beir", help="BEIR data set folder (corpus.jsonl, queries.jsonl, qrels/).")],
    split: Annotated[SplitChoice, typer.Option("--split", help="Which qrels split.")] = SplitChoice.test,
    modes: Annotated[list[ModeChoice] | None, typer.Option("--mode", help="Modes to score (repeatable; default all).")] = None,
    cache: Annotated[Path, typer.Option("--cache", help="Where chunk embeddings are cached.")] = Path("var/cache/beir"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress")] = None,
) -> None:
    """Score retrieval (nDCG@10, Recall@100, MRR@10, queries/s) on a BEIR data set."""
    settings = _settings(ctx)
    with _friendly():
        beir_mod = _optional("citeqa.eval.beir", "the BEIR benchmark")
        if not beir.is_dir():
            raise CliError(f"no BEIR data set at {beir}")
        embedder = make_embedder(settings)
        chosen = [m.value for m in modes] if modes else list(beir_mod.MODES)
        show = sys.stderr.isatty() if progress is None else progress
        result = beir_mod.run_benchmark(beir, split.value, embedder, cache, modes=chosen, progress=show)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    out = _out()
    out.print(
        f"{beir} split={result.get('split')} queries={result.get('queries')} documents={result.get('documents')} "
        f"chunks={result.get('chunks')}"
    )
    out.print(f"{'mode':<8} {'nDCG@10':>8} {'R@100':>8} {'MRR@10':>8} {'q/s':>8}")
    for mode in chosen:
        m = result.get(mode, {})
        out.print(
            f"{mode:<8} {m.get('ndcg@10', 0):>8.4f} {m.get('recall@100', 0):>8.4f} "
            f"{m.get('mrr@10', 0):>8.4f} {m.get('qps', 0):>8.1f}"
        )


@app.command("bench-pdf")
def bench_pdf(
    pdfs: Annotated[Path, typer.Option("--pdfs", help="Folder of PDFs to ingest and measure.")],
    questions: Annotated[Path | None, typer.Option("--questions", help="LitQA2-style JSONL with doc + key_passage (key-passage recovery).")] = None,
    truth: Annotated[Path | None, typer.Option("--truth", "--titles", help="JSON of true titles, authors, journal, year, DOI and top-level headings by file stem (default: the bundled eval/pdf_metadata.json).")] = None,
    pdftotext: Annotated[bool, typer.Option("--pdftotext/--no-pdftotext", help="Compare with poppler's pdftotext (reading-order mode).")] = True,
    per_file: Annotated[bool, typer.Option("--per-file", help="A line per PDF.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress")] = None,
) -> None:
    """Measure PDF ingestion: pages/s, key passages recovered (beside pdftotext), tables, references, titles, bibliographic facts and sections."""
    with _friendly():
        bench = _optional("citeqa.eval.bench_pdf", "the PDF benchmark")
        show = sys.stderr.isatty() if progress is None else progress
        result = bench.run_bench(pdfs, questions, truth or bench.DEFAULT_TRUTH, with_pdftotext=pdftotext, progress=show)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    typer.echo(bench.to_text(result, per_file=per_file))


class TrainedModel(str, Enum):
    verdict = "verdict"
    support = "support"
    confidence = "confidence"


@app.command()
def train(
    ctx: typer.Context,
    model: Annotated[TrainedModel, typer.Option("--model", help="Which model: verdict (the yes/no and direction cross-encoder, ~25 min), support (the sentence ranker, ~9 min once the benchmark indexes are cached, ~30 min before) or confidence (the answer-confidence calibration, trained after the other two: ~4 min once the indexes are cached).")] = TrainedModel.verdict,
    benchmarks: Annotated[Path, typer.Option("--benchmarks", help="Folder holding evidence-inference/, litqa2/ and pubmedqa/.")] = Path("../shared/benchmarks"),
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the model (default: the package's qa/models, replacing the shipped one).")] = None,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Verdict model: training epochs (default: the model card's).")] = None,
    layers: Annotated[int | None, typer.Option("--layers", min=1, max=6, help="Verdict model: encoder layers kept (default: the model card's).")] = None,
    evaluate: Annotated[str | None, typer.Option("--evaluate", help="Verdict model: only score the model in --out (default: the shipped one) on a part: dev (for choosing) or validation (report once).")] = None,
    cache: Annotated[Path, typer.Option("--cache", help="Support and confidence models: where the benchmark indexes are cached (shared with citeqa eval).")] = Path("var/cache/eval"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the training report as JSON.")] = False,
) -> None:
    """Train a shipped model from the shared benchmarks, reproducibly (fixed seeds and data order)."""
    with _friendly():
        if model is TrainedModel.support:
            report = _train_support(_settings(ctx), benchmarks, cache, out)
        elif model is TrainedModel.confidence:
            report = _train_confidence(_settings(ctx), benchmarks, cache, out)
        else:
            report = _train_verdict(benchmarks, out, epochs, layers, evaluate)
    typer.echo(json.dumps(report, indent=None if as_json else 2))


def _train_support(settings: Settings, benchmarks: Path, cache: Path, out: Path | None) -> dict:
    support = _optional("citeqa.train.support", "training")
    from citeqa.qa.support_model import MODEL_DIR

    for needed in (benchmarks / "evidence-inference", benchmarks / "litqa2"):
        if not needed.is_dir():
            raise CliError(f"no training data at {needed} (pass --benchmarks)")
    return support.train_support(benchmarks, Path(settings.corpus_dir), cache, out or MODEL_DIR, make_embedder(settings),
                                 progress=lambda m: _err().print(m, style="dim"))


def _train_confidence(settings: Settings, benchmarks: Path, cache: Path, out: Path | None) -> dict:
    confidence = _optional("citeqa.train.confidence", "training")
    from citeqa.qa.confidence import SHIPPED

    for needed in (benchmarks / "evidence-inference", benchmarks.parent / "corpus" / "pdfs"):
        if not needed.is_dir():
            raise CliError(f"no training data at {needed} (pass --benchmarks)")
    return confidence.train_confidence(benchmarks, Path(settings.corpus_dir), cache, out or SHIPPED.parent,
                                       make_embedder(settings), progress=lambda m: _err().print(m, style="dim"))


def _train_verdict(benchmarks: Path, out: Path | None, epochs: int | None, layers: int | None, evaluate: str | None) -> dict:
    verdict = _optional("citeqa.train.verdict", "training")
    from citeqa.eval.splits import Part
    from citeqa.qa.verdict_model import MODEL_DIR

    if evaluate is not None:
        if evaluate not in (Part.dev.value, Part.validation.value):
            raise CliError(f"--evaluate {evaluate!r}: use dev or validation (the train part is trained on)")
        return verdict.evaluate(benchmarks, Part(evaluate), out)
    for needed in (benchmarks / "evidence-inference", benchmarks / "pubmedqa"):
        if not needed.is_dir():
            raise CliError(f"no training data at {needed} (pass --benchmarks)")
    defaults = verdict.TrainConfig()
    config = verdict.TrainConfig(**{**vars(defaults), **{k: v for k, v in (("epochs", epochs), ("layers", layers)) if v}})
    return verdict.train_verdict(benchmarks, out or MODEL_DIR, config, progress=lambda m: _err().print(m, style="dim"))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
