"""The layers import-linter checks (pyproject.toml's [tool.importlinter], run by `make test`): the contracts
name every module they should, they hold today, and they do fail when a views module imports another."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lsi_assembly"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
VIEWS_CONTRACT = "no views module imports another views module"
CORE_CONTRACT = "core imports no domain package"


def _contract(name: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(contract for contract in config["contracts"] if contract["name"] == name)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _matches(expression: str, module: str) -> bool:
    """Whether import-linter's ``expression`` (``*`` one name, ``**`` one or more) names ``module``."""
    pattern = r"\.".join({"*": r"[^.]+", "**": r".+"}.get(part, re.escape(part)) for part in expression.split("."))
    return re.fullmatch(pattern, module) is not None


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # Wide columns: rich would otherwise wrap the import chains it prints.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}, timeout=120)


def test_the_views_contract_names_every_views_module():
    views = sorted(_module_name(path) for path in PACKAGE.rglob("*views.py"))
    assert len(views) >= 14 and "lsi_assembly.public.desk_views" in views  # the search itself works
    contract = _contract(VIEWS_CONTRACT)
    for key in ("source_modules", "forbidden_modules"):
        missing = [module for module in views if not any(_matches(e, module) for e in contract[key])]
        assert not missing, f"add these to the contract's {key} in pyproject.toml: {missing}"


def test_the_core_contract_names_every_domain_package():
    packages = {_module_name(path.parent) for path in PACKAGE.glob("*/__init__.py")} - {"lsi_assembly.core"}
    assert "lsi_assembly.registration" in packages
    assert packages <= set(_contract(CORE_CONTRACT)["forbidden_modules"])


def test_every_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_views_module_importing_another_breaks_the_contract(tmp_path):
    """On a copy of the code, one views module importing another makes lint-imports (and `make test`) fail."""
    shutil.copytree(PACKAGE, tmp_path / "lsi_assembly",
                    ignore=shutil.ignore_patterns("__pycache__", "translations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "lsi_assembly" / "checkin" / "views.py").open("a", encoding="utf-8") as views:
        views.write("\nfrom lsi_assembly.public.staff_views import ORGANIZERS  # noqa: E402,F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{VIEWS_CONTRACT} BROKEN" in result.stdout
    assert "lsi_assembly.checkin.views -> lsi_assembly.public.staff_views" in result.stdout
    assert re.search(r"Contracts: \d+ kept, 1 broken\.", result.stdout)
