"""`agentdesk phrases ...` and `agentdesk kb ...`: the phrase library, the pre-send check on
text from the shell, and the knowledge base.

Imports read and check a whole file before writing anything, then write it in one transaction;
a refused file changes nothing and says which entry and why.
"""

from __future__ import annotations

import dataclasses
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from agentdesk.cli_support import emit, profile_of
from agentdesk.domain.errors import ValidationFailed
from agentdesk.i18n import t

if TYPE_CHECKING:
    from collections.abc import Callable

    from agentdesk.domain.phrase_check import Finding
    from agentdesk.domain.phrases import Article, Phrase
    from agentdesk.store.library_store import Stored

E = TypeVar("E")
phrases_app = typer.Typer(help="The phrase library: list, import, export; lint text.")
kb_app = typer.Typer(help="The knowledge base: list, search, import, export.")


class PhraseFormat(StrEnum):
    AUTO = "auto"
    AGENTDESK = "agentdesk"  # our TOML (.toml) or JSON (.json)
    ZAMMAD = "zammad"  # text modules CSV
    ZENDESK = "zendesk"  # macros JSON


class ArticleFormat(StrEnum):
    AUTO = "auto"
    AGENTDESK = "agentdesk"
    ZENDESK = "zendesk"  # Help Center articles JSON


class ExportFormat(StrEnum):
    TOML = "toml"
    JSON = "json"
    ZAMMAD = "zammad"
    ZENDESK = "zendesk"


# -- phrases --------------------------------------------------------------------------------------


@phrases_app.command("list")
def phrases_list(
    ctx: typer.Context,
    scenario: Annotated[str | None, typer.Option(help="Only this scenario.")] = None,
    language: Annotated[str | None, typer.Option(help="zh-CN or en.")] = None,
    search: Annotated[str | None, typer.Option(help="Words, pinyin or initials.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The phrases in the store, best match first when searching."""
    entries = profile_of(ctx).repository().phrases()
    chosen = [
        (p, stored)
        for p, stored in entries
        if (scenario is None or p.scenario.value == scenario)
        and (language is None or p.language == language)
    ]
    phrases = _searched(chosen, search, lambda p: (p.title, p.tags, p.text))
    emit([dataclasses.asdict(p) for p in phrases], as_json, lambda: _print_phrases(phrases))


def _searched(
    entries: list[tuple[E, Stored]],
    search: str | None,
    texts: Callable[[E], tuple[str, tuple[str, ...], str]],
) -> list[E]:
    """The entries, or those matching `search` best first (as the console's helper finds them)."""
    from agentdesk.domain.text_search import SearchDoc, SearchIndex

    if not search:
        return [item for item, _ in entries]

    def doc(entry: tuple[E, Stored]) -> SearchDoc:
        title, tags, body = texts(entry[0])
        return SearchDoc(title, " ".join(tags), body, entry[1].head, entry[1].body)

    index = SearchIndex(entries, doc)
    return [hit.item[0] for hit in index.search(search, limit=len(entries) or 1)]


def _counts(known: set[str], incoming: set[str], replace: bool) -> dict[str, int]:
    """What an import would do, for --dry-run."""
    removed = len(known - incoming) if replace else 0
    return {"created": len(incoming - known), "updated": len(incoming & known), "removed": removed}


def _print_phrases(phrases: list[Phrase]) -> None:
    for p in phrases:
        typer.echo(f"{p.id:<34} {p.scenario.value:<15} {p.language:<6} {p.title}")
    typer.echo(t("cli_phrases.count", count=len(phrases)), err=True)


@phrases_app.command("import")
def phrases_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A phrase file: .toml, .json or .csv.")],
    fmt: Annotated[PhraseFormat, typer.Option("--format")] = PhraseFormat.AUTO,
    language: Annotated[str | None, typer.Option(help="For foreign files: zh-CN or en.")] = None,
    scenario: Annotated[str | None, typer.Option(help="For foreign files: the scenario.")] = None,
    replace: Annotated[bool, typer.Option(help="Remove phrases the file does not have.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check a whole phrase file, then add or update its phrases (by id) in one go."""
    profile = profile_of(ctx)
    repo = profile.repository()
    phrases, skipped, source = _read_phrases(file, fmt, language, scenario, repo.policy)
    if dry_run:
        counts = _counts({p.id for p, _ in repo.phrases()}, {p.id for p in phrases}, replace)
    else:
        counts = dataclasses.asdict(
            repo.import_phrases(phrases, source, profile.clock.now(), replace=replace)
        )
    data = {"file": str(file), "dry_run": dry_run, **counts, "skipped": skipped}
    emit(data, as_json, lambda: _print_import(data))


def _print_import(data: dict[str, Any]) -> None:
    key = "cli_phrases.would_import" if data["dry_run"] else "cli_phrases.imported"
    typer.echo(t(key, **{k: data[k] for k in ("file", "created", "updated", "removed")}))
    for reason in data["skipped"]:
        typer.echo(t("cli_phrases.skipped", reason=reason), err=True)


def _read_phrases(
    file: Path, fmt: PhraseFormat, language: str | None, scenario: str | None, policy: Any
) -> tuple[list[Phrase], list[str], str]:
    from agentdesk.domain.phrases import Scenario
    from agentdesk.io import phrase_files, phrase_formats

    chosen = _phrase_format(file, fmt)
    if chosen is PhraseFormat.AGENTDESK:
        clocks = {rule.name for rule in policy.clocks}
        return phrase_files.load_phrases(file, clocks), [], "agentdesk"
    wanted = _scenario(scenario, Scenario)
    if chosen is PhraseFormat.ZAMMAD:
        found = phrase_formats.read_zammad_text_modules(file, language=language, scenario=wanted)
    else:
        found = phrase_formats.read_zendesk_macros(file, language=language, scenario=wanted)
    return found.phrases, found.skipped, chosen.value


def _scenario(value: str | None, kind: Any) -> Any:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(s.value for s in kind)
        raise ValidationFailed(
            "error.bad_choice", field="--scenario", value=value, allowed=allowed
        ) from None


def _phrase_format(file: Path, fmt: PhraseFormat) -> PhraseFormat:
    if fmt is not PhraseFormat.AUTO:
        return fmt
    suffix = file.suffix.lower()
    if suffix == ".csv":
        return PhraseFormat.ZAMMAD
    if suffix == ".json" and _json_has(file, "macros"):
        return PhraseFormat.ZENDESK
    return PhraseFormat.AGENTDESK


def _json_has(file: Path, key: str) -> bool:
    """Whether a JSON file's top level names `key` (a quick look; the reader checks it all)."""
    try:
        head = file.read_bytes()[:4096].decode("utf-8-sig", errors="ignore")
    except OSError:
        return False
    return f'"{key}"' in head


@phrases_app.command("export")
def phrases_export(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Write here (default: standard output).")
    ] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.TOML,
) -> None:
    """Write the phrase library in our format (TOML or JSON), as Zammad text modules CSV or as
    Zendesk macros JSON."""
    from agentdesk.io import phrase_files, phrase_formats

    phrases = [p for p, _ in profile_of(ctx).repository().phrases()]
    if fmt is ExportFormat.ZAMMAD:
        text = phrase_formats.write_zammad_text_modules(phrases)
    elif fmt is ExportFormat.ZENDESK:
        text = phrase_formats.write_zendesk_macros(phrases)
    else:
        tables = [phrase_files.phrase_table(p) for p in phrases]
        text = phrase_files.dump("phrase", tables, fmt.value)  # type: ignore[arg-type]
    _write_out(file, text, "utf-8-sig" if fmt is ExportFormat.ZAMMAD else "utf-8")
    if file is not None:
        typer.echo(t("cli_phrases.exported", count=len(phrases), file=str(file)), err=True)


def _write_out(file: Path | None, text: str, encoding: str) -> None:
    if file is None:
        sys.stdout.write(text)
        return
    try:
        file.write_text(text, encoding=encoding)
    except OSError as exc:
        reason = exc.strerror or ""
        raise ValidationFailed("error.cannot_write", file=str(file), reason=reason) from None


@phrases_app.command("lint")
def phrases_lint(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A text file, or - for standard input.")],
    rules: Annotated[Path | None, typer.Option(help="A banned-phrase rule file.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find banned phrases in text (e.g. exported replies): each finding with its line, column,
    rule and rewrite. Exit code 1 when anything is found."""
    from agentdesk.io.phrase_files import load_banned, load_rules

    text = _read_text(file)
    ruleset = (
        load_rules(rules) if rules is not None else load_banned(profile_of(ctx).policy_dir())[0]
    )
    findings = ruleset.check(text)
    data = [_finding_data(text, f) for f in findings]
    name = "<stdin>" if file == "-" else file
    emit(data, as_json, lambda: _print_findings(name, data))
    if findings:
        raise typer.Exit(1)


def _read_text(file: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        reason = exc.strerror or ""
        raise ValidationFailed("error.cannot_read", file=file, reason=reason) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("error.not_utf8", file=file, at=exc.start) from None


def _finding_data(text: str, finding: Finding) -> dict[str, Any]:
    line = text.count("\n", 0, finding.start) + 1
    column = finding.start - (text.rfind("\n", 0, finding.start) + 1) + 1
    return {
        "line": line,
        "column": column,
        "offset": finding.start,
        "text": finding.text,
        "rule": finding.rule.id,
        "action": finding.rule.action.value,
        "reason": finding.rule.reason,
        "rewrites": list(finding.rule.rewrites),
    }


def _print_findings(name: str, data: list[dict[str, Any]]) -> None:
    for d in data:
        typer.echo(
            f"{name}:{d['line']}:{d['column']}: {d['rule']} 「{d['text']}」 → "
            f"「{d['rewrites'][0]}」 ({d['reason']})"
        )
    typer.echo(t("cli_phrases.findings", count=len(data)), err=True)


# -- the knowledge base ---------------------------------------------------------------------------


@kb_app.command("list")
def kb_list(
    ctx: typer.Context,
    search: Annotated[str | None, typer.Option(help="Words, pinyin or initials.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The knowledge articles in the store, best match first when searching."""
    entries = profile_of(ctx).repository().articles()
    articles = _searched(entries, search, lambda a: (a.title, a.tags, a.body))
    emit([dataclasses.asdict(a) for a in articles], as_json, lambda: _print_articles(articles))


def _print_articles(articles: list[Article]) -> None:
    for a in articles:
        typer.echo(f"{a.id:<34} {a.language:<6} {a.category or '—':<16} {a.title}")
    typer.echo(t("cli_phrases.articles", count=len(articles)), err=True)


@kb_app.command("import")
def kb_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Articles: our .toml/.json or Zendesk HC JSON.")],
    fmt: Annotated[ArticleFormat, typer.Option("--format")] = ArticleFormat.AUTO,
    category: Annotated[str, typer.Option(help="For Zendesk articles: their category.")] = "",
    replace: Annotated[bool, typer.Option(help="Remove articles the file does not have.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check a whole article file, then add or update its articles (by id) in one go."""
    from agentdesk.io import phrase_files, phrase_formats

    profile = profile_of(ctx)
    repo = profile.repository()
    zendesk = fmt is ArticleFormat.ZENDESK or (
        fmt is ArticleFormat.AUTO and file.suffix.lower() == ".json" and _json_has(file, "articles")
    )
    if zendesk:
        found = phrase_formats.read_zendesk_articles(file, category=category)
        articles, skipped, source = found.articles, found.skipped, "zendesk"
    else:
        articles, skipped, source = phrase_files.load_articles(file), [], "agentdesk"
    if dry_run:
        counts = _counts({a.id for a, _ in repo.articles()}, {a.id for a in articles}, replace)
    else:
        counts = dataclasses.asdict(
            repo.import_articles(articles, source, profile.clock.now(), replace=replace)
        )
    data = {"file": str(file), "dry_run": dry_run, **counts, "skipped": skipped}
    emit(data, as_json, lambda: _print_import(data))


@kb_app.command("export")
def kb_export(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Write here (default: standard output).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="toml or json.")] = "toml",
) -> None:
    """Write the knowledge base in our format."""
    from agentdesk.io import phrase_files

    if fmt not in ("toml", "json"):
        raise ValidationFailed(
            "error.bad_choice", field="--format", value=fmt, allowed="toml, json"
        )
    articles = [a for a, _ in profile_of(ctx).repository().articles()]
    tables = [phrase_files.article_table(a) for a in articles]
    _write_out(file, phrase_files.dump("article", tables, fmt), "utf-8")  # type: ignore[arg-type]
