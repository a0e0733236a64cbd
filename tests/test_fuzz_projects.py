"""Property-based: mutated example projects are opened, or refused in one line; never a traceback or a hang.

Each example is mutated as a careless or hostile user would: a value replaced by one of the wrong
type, a huge or non-finite number, deep nesting or odd Unicode; a key removed or added; the text
truncated or a byte changed. Whatever ``load_project`` opens must save and reopen to the same
project; the command line must exit 0, 1 or 2 with one line on exit 2, within a timeout.

The examples are drawn deterministically so the suite is reproducible; for a longer search run
``NEUROCANVAS_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz_projects.py``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import PROJECTS, ROOT
from engine.errors import ProjectError
from engine.project import load_project, project_to_dict, save_project

EXAMPLES = sorted(PROJECTS.glob("*.ncproj"))
SOURCES = {path.name: path.read_text(encoding="utf-8") for path in EXAMPLES}
SCALE = int(os.environ.get("NEUROCANVAS_FUZZ_EXAMPLES", "0"))
DEEP = "\u0000deep:"  # a placeholder string: nesting too deep for json.dumps is spliced into the text

fuzz = settings(max_examples=SCALE or 400, deadline=None, derandomize=not SCALE, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
fuzz_cli = settings(fuzz, max_examples=SCALE // 20 or 8)

odd_text = st.text(st.one_of(
    st.characters(codec="utf-8"),
    st.characters(categories=["Cs"]),  # lone surrogates
    st.sampled_from("\u0000\n\r\t\u202e\u200b\ufeff\u0301\U0001f600\"\\:.[]/"),
), max_size=12)
odd_numbers = st.one_of(
    st.integers(-2**80, 2**80),
    st.sampled_from([0, -1, 1, 2**31, 2**53, 2**53 + 1, 2**63, -2**63 - 1, 10**400, 10**6, 10**7 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1e30, 5e-324, 0.5, -0.0, 1e6]),
)
odd_scalars = st.one_of(st.none(), st.booleans(), odd_numbers, odd_text)
odd_values = st.one_of(
    odd_scalars,
    st.integers(2, 1500).map(lambda n: f"{DEEP}{n}"),
    st.recursive(odd_scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=3)), max_leaves=8),
)


def paths(value, prefix=()):
    """Every key path in a JSON value, the root first."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from paths(child, (*prefix, key))


def mutate(data, path, how, value):
    if not path:
        return value if how == "replace" else data
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if how == "replace":
        parent[key] = value
    elif how == "delete":
        del parent[key]
    elif how == "wrap":
        parent[key] = [parent[key]]
    elif how == "add" and isinstance(parent[key], dict):
        parent[key][value if isinstance(value, str) else str(value)[:20]] = value
    return data


def dump(data, ascii_only: bool) -> str:
    text = json.dumps(data, allow_nan=True, ensure_ascii=ascii_only)  # \u0000 is escaped either way
    return re.sub(r'"\\u0000deep:(\d+)"', lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)


@st.composite
def mutated_projects(draw) -> bytes:
    name = draw(st.sampled_from(sorted(SOURCES)))
    text = SOURCES[name]
    kind = draw(st.sampled_from(["value", "value", "value", "text"]))
    if kind == "text":
        raw = text.encode("utf-8")
        at = draw(st.integers(0, len(raw)))
        edit = draw(st.sampled_from(["truncate", "byte"]))
        if edit == "truncate":
            return raw[:at]
        return raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1:]
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(paths(data))))
        how = draw(st.sampled_from(["replace", "replace", "replace", "delete", "wrap", "add"]))
        data = mutate(data, path, how, draw(odd_values))
    return dump(data, draw(st.booleans())).encode("utf-8", errors="surrogatepass")


def write(tmp_path, content: bytes):
    path = tmp_path / "mutated.ncproj"
    path.write_bytes(content)
    return path


@fuzz
@given(content=mutated_projects())
def test_whatever_loads_also_saves_and_everything_else_is_one_line(tmp_path_factory, content):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    path = write(tmp_path, content)
    try:
        project = load_project(path)
    except ProjectError as e:
        assert "\n" not in str(e) and len(str(e)) < 1000, str(e)
        return
    save_project(project, tmp_path / "saved.ncproj")
    again = load_project(tmp_path / "saved.ncproj")
    assert project_to_dict(again) == project_to_dict(project)


@fuzz_cli
@given(content=mutated_projects(), command=st.sampled_from(["validate", "info", "train"]))
def test_the_command_line_exits_0_1_or_2_in_one_line_without_hanging(tmp_path_factory, content, command):
    tmp_path = tmp_path_factory.mktemp("fuzz_cli")
    path = write(tmp_path, content)
    out = tmp_path / "trained.ncproj"
    extra = ["--epochs", "1", "--quiet", "--output", str(out)] if command == "train" else []
    try:
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), command, str(path), *extra],
                                capture_output=True, text=True, timeout=90, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command} hung on {content[:300]!r}")
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    if command == "train" and out.exists():
        load_project(out)  # what was trained was saved, and opens
