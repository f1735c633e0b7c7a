"""The README stays true: every environment variable the code reads is documented there."""

import re

from tests.conftest import ROOT

SOURCES = ["errortrack/settings.py", "errortrack/management/commands/bootstrap.py",
           "errortrack/management/commands/serve.py"]
# env.str("NAME"...), env.int(...), env.db_url(...), os.environ.get("NAME"...)
READ_PATTERN = re.compile(r"""(?:env\.\w+|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


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
