"""The source registry: documents byte-for-byte as published, checksums verified on load."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from evaluation import project
from evaluation.data.sources import load_sources
from evaluation.errors import DataError


def test_registry_lists_the_plans_with_their_checksums():
    sources = load_sources()
    assert {"plan2013", "plan2015"} <= set(sources)  # exactly: tests/test_shipped_data.py
    for source in sources.values():
        digest = hashlib.sha256(source.path.read_bytes()).hexdigest()
        assert digest == source.sha256
        assert source.title_zh and source.title_en and source.issuer
        assert source.published and source.doc_type and source.script


def test_texts_are_the_plans():
    sources = load_sources()
    assert "2012年列入工业“双百”行动的项目共101项" in sources["plan2013"].text()
    assert "年内计划投资246.53亿元" in sources["plan2015"].text()


def test_a_changed_document_fails_its_checksum(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(project.current().raw_dir, raw)
    doc = raw / "2015-plan_shuangbai-implementation-plan.txt"
    doc.write_bytes(doc.read_bytes().replace(b"1320", b"1230"))
    with pytest.raises(DataError) as caught:
        load_sources(project.current().sources_file, raw_dir=raw)
    (only,) = caught.value.problems
    assert only.location == "sha256 (source plan2015)"
    assert only.found == hashlib.sha256(doc.read_bytes()).hexdigest()


def test_a_missing_document_is_named(tmp_path):
    with pytest.raises(DataError, match="2013-plan_shuangbai-implementation-plan.txt"):
        load_sources(project.current().sources_file, raw_dir=tmp_path)


def registry_and_first_issuer_zh() -> tuple[str, str]:
    """The shipped registry's text and its first ``issuer_zh`` line."""
    registry = project.current().sources_file.read_text(encoding="utf-8")
    first = registry.index("    issuer_zh:")
    return registry, registry[first:registry.index("\n", first) + 1]


def test_the_issuer_in_chinese_on_chinese_pages_and_as_written_otherwise(tmp_path):
    registry, line = registry_and_first_issuer_zh()
    without = tmp_path / "sources.yaml"
    without.write_text(registry.replace(line, "", 1), encoding="utf-8")
    sources = load_sources(without, raw_dir=project.current().raw_dir)
    chinese = [s for s in sources.values() if s.issuer_zh]
    plain = [s for s in sources.values() if not s.issuer_zh]
    assert chinese and plain  # one entry lost its issuer_zh
    assert chinese[0].issuer_in("zh") == line.split(":", 1)[1].strip()
    assert chinese[0].issuer_in("en") == chinese[0].issuer
    assert plain[0].issuer_in("zh") == plain[0].issuer  # as written when there is none


def test_an_empty_issuer_in_chinese_is_one_problem(tmp_path):
    registry, line = registry_and_first_issuer_zh()
    bad = tmp_path / "sources.yaml"
    bad.write_text(registry.replace(line, '    issuer_zh: ""\n', 1), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_sources(bad, raw_dir=project.current().raw_dir)
    (only,) = caught.value.problems
    assert only.location.endswith(".issuer_zh") and "issuer in Chinese" in only.expected
