"""What the `maillage` commands share: the consoles, exit codes, build options, messages, and how problems print.

Exit codes:
  0  success (graph built and written, or data valid)
  1  the data has problems (input errors or shape violations): nothing written
  2  bad command line
  3  the ontology, vocabularies, shapes or data directory cannot be read
  4  the output cannot be written (read-only directory, full disk...): readers still see the previous build
  5  another build is writing to the same output directory (--out): nothing written, try again once it ends
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console

from graph_builder.constants import DEFAULT_BASE, PROJECT_ROOT
from graph_builder.pipeline import BuildResult, Progress, Settings, build_graph
from graph_builder.problems import BilingualError, BuildError, Problem
from graph_builder.referential.package import Referential, ReferentialError, default_cache, fetch, load

EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNREADABLE, EXIT_WRITE, EXIT_LOCKED = 1, 2, 3, 4, 5

err = Console(stderr=True, soft_wrap=True)
out = Console()

LANG = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
                    help="Language of messages.")

TEXT = {
    "fr": {
        "ok": "Aucune violation des formes SHACL (les avertissements ne bloquent pas).",
        "written": "Graphe écrit dans {out} ({quads} quadruplets).",
        "refused": "Graphe NON publié : {n} problème(s) bloquant(s). Corrigez-les ou relancez avec --force.",
        "forced": "Publié malgré {n} problème(s) bloquant(s) (--force).",
        "unreadable": "Entrées illisibles :",
        "summary": "{errors} erreur(s), {violations} non-conformité(s), {warnings} avertissement(s).",
        "incremental": "Reconstruction incrémentale : {n} enregistrement(s) modifié(s).",
        "full": "Reconstruction complète : {why}.",
    },
    "en": {
        "ok": "No violation of the SHACL shapes (warnings never block).",
        "written": "Graph written to {out} ({quads} quads).",
        "refused": "Graph NOT published: {n} blocking problem(s). Fix them or run again with --force.",
        "forced": "Published despite {n} blocking problem(s) (--force).",
        "unreadable": "Unreadable inputs:",
        "summary": "{errors} error(s), {violations} violation(s), {warnings} warning(s).",
        "incremental": "Incremental rebuild: {n} record(s) changed.",
        "full": "Full rebuild: {why}.",
    },
}
STYLES = {"error": "red", "violation": "red", "warning": "yellow", "info": "cyan"}


def settings_options(function):
    """Options shared by the commands that build a graph."""
    options = [
        click.option("--data", "data_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data",
                     show_default="data/", help="Curated data directory."),
        click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path),
                     default=PROJECT_ROOT / "ontology", show_default="ontology/", help="Ontology and vocabularies."),
        click.option("--shapes", "shapes_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "shapes",
                     show_default="shapes/", help="SHACL shapes."),
        click.option("--base", envvar="MAILLAGE_BASE", default=DEFAULT_BASE, show_default=True,
                     help="Base IRI of the graph's entities (env MAILLAGE_BASE)."),
        LANG,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def make_settings(data_dir: Path, ontology_dir: Path, shapes_dir: Path, base: str) -> Settings:
    try:
        return Settings(data_dir=data_dir, ontology_dir=ontology_dir, shapes_dir=shapes_dir, base=base)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base") from exc


@contextmanager
def status() -> Iterator[Progress]:
    """A status line on stderr that shows each step a long task reports."""
    with err.status("…") as shown:
        yield lambda step: shown.update(f"[bold]{step}[/bold]…")


def exit_unreadable(exc: BuildError, lang: str) -> NoReturn:
    err.print(TEXT[lang]["unreadable"], style="bold red")
    print_problems(exc.problems, lang)
    sys.exit(EXIT_UNREADABLE)


def build_in_memory(settings: Settings, lang: str) -> BuildResult:
    """The graph built and validated in memory (nothing written), or exit 3 with what cannot be read."""
    try:
        with status() as progress:
            return build_graph(settings, progress=progress)
    except BuildError as exc:
        exit_unreadable(exc, lang)


def print_problems(problems: list[Problem], lang: str) -> None:
    for problem in sorted(problems):
        err.print(problem.format(lang), style=STYLES[problem.severity], markup=False, highlight=False)


def summary(problems: list[Problem], lang: str) -> str:
    count = {s: sum(1 for p in problems if p.severity == s) for s in ("error", "violation", "warning")}
    return TEXT[lang]["summary"].format(errors=count["error"], violations=count["violation"],
                                        warnings=count["warning"])


def load_referential(cache: Path | None) -> Referential:
    """The pinned referential from the cache (fetched once), or exit 3 with the reason."""
    try:
        return load(fetch(cache or default_cache()))
    except ReferentialError as exc:
        exit_unreadable_bilingual(exc)


def exit_unreadable_bilingual(exc: BilingualError, code: int = EXIT_UNREADABLE) -> NoReturn:
    """Exit 3 (or `code`) with the reason, in French then in English (for set-up's commands, which have no --lang,
    and for what a script must understand whatever its language: a locked output directory)."""
    err.print(exc.message_fr, style="red", markup=False, highlight=False)
    err.print(exc.message_en, style="red dim", markup=False, highlight=False)
    sys.exit(code)


# Why a write failed, by errno (French, English); others are told by the system's own words.
DISK_ERRORS = {
    errno.EROFS: ("système de fichiers en lecture seule", "read-only file system"),
    errno.EACCES: ("permission refusée", "permission denied"),
    errno.EPERM: ("opération non permise", "operation not permitted"),
    errno.ENOSPC: ("disque plein", "no space left on device"),
    errno.EDQUOT: ("quota disque dépassé", "disk quota exceeded"),
    errno.EFBIG: ("fichier trop grand (limite de taille des fichiers atteinte)", "file too large (file size limit)"),
    errno.EIO: ("erreur d'entrée-sortie du disque", "disk input/output error"),
}


def exit_write_failed(exc: OSError, out_dir: Path) -> NoReturn:
    """Exit 4 after saying, in French then in English, why `out_dir` could not be written, and that readers still
    see the previous build."""
    code = exc.errno
    if code is None:  # RocksDB's errors (the kept store) carry the system's words only: « IO error: ... File too large »
        code = next((known for known in DISK_ERRORS if os.strerror(known) in str(exc)), None)
    fr, en = DISK_ERRORS.get(code, (exc.strerror or str(exc), exc.strerror or str(exc)))
    if exc.errno is None and code is not None:
        fr, en = f"{fr} — {exc}", f"{en} — {exc}"
    where = f" ({exc.filename})" if exc.filename else ""
    err.print(f"Écriture impossible dans {out_dir} : {fr}{where}. Rien n'a été publié : le dossier présente toujours "
              "la construction précédente. Libérez de la place ou choisissez un dossier où vous pouvez écrire (--out).",
              style="bold red", markup=False, highlight=False)
    err.print(f"Cannot write to {out_dir}: {en}{where}. Nothing was published: the directory still shows the previous "
              "build. Free some space or choose a directory you can write to (--out).",
              style="red dim", markup=False, highlight=False)
    sys.exit(EXIT_WRITE)


def fail(exc: BilingualError, lang: str, code: int) -> NoReturn:
    """Exit with `code` after the error's message in `lang`."""
    err.print(exc.message(lang), style="red", markup=False, highlight=False)
    sys.exit(code)
