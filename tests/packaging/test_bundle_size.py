"""The bundle-size report groups files by component and fails past the budget."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
# What PySide6-Essentials ships that the app may use; anything else would need PySide6-Addons.
ESSENTIAL_QT = {"QtCore", "QtGui", "QtWidgets", "QtSvg", "QtDBus", "QtNetwork"}


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bundle_size = _load("bundle_size", REPO / "packaging" / "bundle_size.py")


def _fake_bundle(root: Path, files: dict[str, int]) -> Path:
    for relative, size in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * size)
    return root


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    mib = bundle_size.MIB
    return _fake_bundle(
        tmp_path / "consent-desk",
        {
            "consent-desk": mib,
            "_internal/PySide6/Qt/lib/libicudata.so.73": 3 * mib,
            "_internal/PySide6/Qt/lib/libQt6Core.so.6": 2 * mib,
            "_internal/PySide6/Qt/plugins/platforms/libqxcb.so": mib // 2,
            "_internal/PySide6/QtCore.abi3.so": mib,
            "_internal/libpython3.11.so.1.0": mib,
            "_internal/resources/model/second_opinion.bin": mib,
        },
    )


def test_report_groups_by_component_and_totals(bundle: Path) -> None:
    total, lines = bundle_size.report(bundle, top_files=2)
    assert total == int(9.5 * bundle_size.MIB)
    text = "\n".join(lines)
    assert "    3.0  Qt: ICU data and libraries" in text
    assert "    0.5  Qt: plugins" in text
    assert "    1.0  PySide6: bindings" in text
    assert text.index("biggest files") < text.index("libicudata.so.73")


def test_budget_passes_under_and_fails_over(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bundle_size.main([str(bundle), "--budget-mib", "10", "--top", "0"]) == 0
    assert "ok: 9.5 MiB of the 10 MiB budget" in capsys.readouterr().out
    assert bundle_size.main([str(bundle), "--budget-mib", "9", "--top", "0"]) == 1
    assert "over its 9 MiB budget" in capsys.readouterr().err


def test_a_folder_that_is_no_bundle_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert bundle_size.main([str(tmp_path)]) == 2
    assert "not a PyInstaller one-folder bundle" in capsys.readouterr().err


def test_the_app_uses_only_qt_modules_of_pyside6_essentials() -> None:
    """PySide6-Addons (QtCharts and friends) is not a dependency: the bundle would grow by its libraries."""
    used: set[str] = set()
    for path in (REPO / "desktop_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            used |= {name.split(".")[1] for name in names if name.startswith("PySide6.")}
    assert used, "the scan found no Qt import at all"
    assert used <= ESSENTIAL_QT, used - ESSENTIAL_QT
