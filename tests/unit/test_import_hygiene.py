"""The domain and the CLI's non-UI commands never load the UI (STYLE.md pattern 1)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import agentdesk

DOMAIN = Path(agentdesk.__file__).parent / "domain"


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_the_domain_loads_no_ui_and_no_database_code() -> None:
    modules = _loaded_after(
        "import agentdesk.domain, agentdesk.domain.status_flow, agentdesk.domain.records, "
        "agentdesk.domain.authority, agentdesk.domain.deadlines"
    )
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "sqlalchemy")}


def test_cli_non_ui_commands_do_not_load_textual(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        f"os.environ['AGENTDESK_HOME'] = {str(tmp_path)!r}\n"
        "from typer.testing import CliRunner\n"
        "from agentdesk.cli import app\n"
        "r = CliRunner().invoke(app, ['db', 'upgrade'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['ticket', 'list', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['doctor'])\n"
    )
    modules = _loaded_after(code)
    assert "agentdesk.cli" in modules
    assert not {m for m in modules if m.split(".")[0] == "textual"}


def test_domain_source_imports_only_the_domain_and_the_standard_library() -> None:
    allowed_third_party = {
        "uuid6",
        "holidays",
        "pydantic",
        "pydantic_core",
        "pypinyin",
        "rapidfuzz",
        "opencc",
    }
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
            elif isinstance(node, ast.Import):
                top = node.names[0].name.split(".")[0]
            else:
                continue
            if top == "agentdesk":
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert module.startswith(("agentdesk.domain", "agentdesk.i18n")), (path, module)
            else:
                assert top in sys.stdlib_module_names or top in allowed_third_party, (path, top)
