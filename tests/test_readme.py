"""The README and the docs stay true: every environment variable the code reads is documented in
the README, every link resolves, every `make` target named exists, and every dependency is
bounded, listed in docs/dependencies.md and pinned by the lock files."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

SOURCES = ["errortrack/settings.py", "errortrack/management/commands/bootstrap.py",
           "errortrack/management/commands/serve.py"]
# env.str("NAME"...), env.int(...), env.db_url(...), os.environ.get("NAME"...)
READ_PATTERN = re.compile(r"""(?:env\.\w+|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def variables_read_by_the_code() -> set[str]:
    names = set()
    for source in SOURCES:
        names |= set(READ_PATTERN.findall((ROOT / source).read_text()))
    return names


def test_the_scan_finds_the_variables_we_know_are_read():
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL", "EMAIL_URL",
            "DJANGO_SUPERUSER_PASSWORD", "PORT"} <= variables_read_by_the_code()


def test_every_variable_the_code_reads_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(n for n in variables_read_by_the_code() if f"`{n}`" not in readme)
    assert missing == []


def test_the_readme_states_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_section = readme.split("\n## ")[1]
    assert "make run" in first_section and "make test" in first_section


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, `-` for spaces."""
    headings = re.findall(r"(?m)^#+ (.+)$", CODE.sub("", markdown))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(doc: Path):
    broken = []
    for target in LINK.findall(CODE.sub("", doc.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists() or (anchor and anchor not in anchors(linked.read_text())):
            broken.append(target)
    assert broken == []


def test_the_readme_links_every_doc():
    readme = (ROOT / "README.md").read_text()
    unlinked = [p.name for p in sorted((ROOT / "docs").glob("*.md"))
                if f"](docs/{p.name})" not in readme]
    assert unlinked == []


def test_every_make_target_the_readme_names_exists():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"(?m)^([\w.-]+):(?!=)", makefile))
    phony = set(re.search(r"(?m)^\.PHONY:(.*)$", makefile).group(1).split())
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", (ROOT / "README.md").read_text()))
    assert {"run", "test", "test-fast", "lint", "bench", "lock"} <= named
    assert named - targets == set()
    assert named - phony == set()


def declared_requirements() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"base": project["dependencies"], **project["optional-dependencies"]}
    return {group: [Requirement(line) for line in lines] for group, lines in groups.items()}


def all_requirements() -> list[Requirement]:
    return [req for reqs in declared_requirements().values() for req in reqs]


def test_every_dependency_has_a_lower_and_an_upper_bound():
    unbounded = []
    for req in all_requirements():
        operators = {spec.operator for spec in req.specifier}
        if not (operators & {">=", ">", "==", "~="} and operators & {"<", "<=", "==", "~="}):
            unbounded.append(str(req))
    assert unbounded == []


def test_every_dependency_is_in_docs_dependencies():
    documented = (ROOT / "docs" / "dependencies.md").read_text()
    missing = [req.name for req in all_requirements()
               if not re.search(rf"(?<![\w-]){re.escape(req.name)}(?![\w-])", documented, re.I)]
    assert missing == []


def locked(name: str) -> dict[str, str]:
    """name -> version pinned by requirements/<name>.txt; every pin carries hashes and the file
    names no index (it must install from whatever index the machine uses)."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    assert not re.search(r"(?m)^\s*(-i|-f|--index-url|--extra-index-url|--find-links)\b", text)
    pins = re.findall(r"(?m)^([A-Za-z0-9][\w.-]*)==(\S+) \\\n\s+--hash=sha256:", text)
    assert len(pins) == len(re.findall(r"(?m)^[A-Za-z0-9]", text))  # none without a hash
    return {canonicalize_name(pkg): version for pkg, version in pins}


def test_the_lock_files_pin_every_dependency_within_its_range():
    base, test = locked("base"), locked("test")
    assert {pkg: test.get(pkg) for pkg in base} == base  # the test lock adds, never differs
    outside = []
    for group, reqs in declared_requirements().items():
        pins = base if group == "base" else test
        for req in reqs:
            version = pins.get(canonicalize_name(req.name))
            if version is None or version not in req.specifier:
                outside.append(f"{group}: {req} locked at {version}")
    assert outside == []
