"""``evaluation new-edition``: the next edition's parameters file, copied from an existing one.

The copy keeps every line and comment of the source edition; only the value of ``edition:``
becomes the new name, and a first comment line says where the file came from, so the economist
reviews the values (base year, target years, seed) instead of retyping the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from evaluation import project
from evaluation.errors import ConfigError, problem
from evaluation.paths import display_path
from evaluation.pipeline.editions import check_edition_name, load_edition

_EDITION_LINE = re.compile(r"^edition:[ \t]*(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^#\s]+)"
                           r"(?P<rest>[ \t]*(?:#.*)?)$", re.MULTILINE)


def new_edition(name: str, *, source: str, editions_dir: Path | None = None) -> Path:
    """Write ``<editions_dir>/<name>.yaml`` from ``<editions_dir>/<source>.yaml``.

    Returns
    -------
    pathlib.Path
        The new edition file.

    Raises
    ------
    ConfigError
        When ``name`` is not a plain file name, the source edition does not exist or is invalid,
        its ``edition:`` line cannot be found, or ``<name>.yaml`` already exists (never
        overwritten).
    """
    check_edition_name(name, where="new-edition NAME")
    check_edition_name(source, where="new-edition --from")
    editions_dir = Path(editions_dir or project.current().editions_dir)
    target = editions_dir / f"{name}.yaml"
    original = load_edition(source, editions_dir=editions_dir)  # clear error if unknown
    if target.exists():
        raise ConfigError(problems=[problem(target, "", "an existing edition file",
                                            "a new edition name (an edition is never "
                                            "overwritten; edit the file or delete it first)")])
    text = original.path.read_text(encoding="utf-8")
    lines = _EDITION_LINE.findall(text)
    if len(lines) != 1:
        raise ConfigError(problems=[problem(original.path, "edition", f"{len(lines)} top-level "
                                            "`edition:` lines", "exactly one, e.g. "
                                            "`edition: \"2013\"  # comment`")])
    copied = _EDITION_LINE.sub(lambda m: f'edition: "{name}"{m.group("rest")}', text)
    header = (f"# Scaffolded from edition {source} ({display_path(original.path)}) by "
              f"`evaluation new-edition`; review every value below for edition {name}.\n")
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(header + copied)
    load_edition(name, editions_dir=editions_dir)  # the copy must load as the new edition
    return target
