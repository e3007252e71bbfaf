"""pyproject.toml, environment.yml and requirements.lock pin the same packages and versions."""

from __future__ import annotations

import re
import tomllib

import yaml

from evaluation import project

# Extras installed by `make test` from requirements.lock. The `lab` extra (jupyterlab) is for
# authoring only and deliberately not locked: it pulls in rfc3987-syntax, which slows every
# `import nbformat` (jsonschema #1428, nbformat #420).
LOCKED_EXTRAS = ("test",)
PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(==|=)\s*([^\s;#]+)\s*$")


def _name(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _pins(lines: list[str], where: str) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = PIN.match(line)
        assert match, f"{where}: {line!r} is not pinned to one version"
        pins[_name(match.group(1))] = match.group(3)
    return pins


def _pyproject() -> dict:
    with open(project.current().root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def test_pyproject_and_environment_yml_pin_the_same_versions():
    metadata = _pyproject()
    declared = list(metadata["dependencies"])
    for extra in metadata["optional-dependencies"].values():
        declared += extra
    pyproject = _pins(declared, "pyproject.toml")
    env = yaml.safe_load((project.current().root / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    # packages that conda-forge may not carry come from PyPI through the pip list
    from_pypi = [p for d in env["dependencies"] if isinstance(d, dict)
                 for p in d.get("pip", []) if not p.startswith("-")]
    conda_pins = _pins([d for d in conda if _name(d.split("=")[0]) not in ("python", "pip")]
                       + from_pypi, "environment.yml")
    assert conda_pins == pyproject


def test_requirements_lock_pins_every_direct_dependency_at_the_same_version():
    metadata = _pyproject()
    direct = list(metadata["dependencies"])
    for extra in LOCKED_EXTRAS:
        direct += metadata["optional-dependencies"][extra]
    lines = (project.current().root / "requirements.lock").read_text(encoding="utf-8").splitlines()
    locked = _pins([ln for ln in lines if ln.strip() and not ln.startswith("#")],
                   "requirements.lock")
    for name, version in _pins(direct, "pyproject.toml").items():
        assert locked.get(name) == version, f"{name}: locked {locked.get(name)}, wanted {version}"


def test_lab_only_packages_stay_out_of_the_lock():
    lines = (project.current().root / "requirements.lock").read_text(encoding="utf-8").lower()
    assert "jupyterlab==" not in lines
    assert "rfc3987-syntax==" not in lines.replace("_", "-")
