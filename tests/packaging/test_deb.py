"""build-deb.sh lays out a Debian package from a bundle: /opt, /usr/bin, desktop entry, icon, metainfo."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DEB = REPO / "packaging" / "linux" / "build-deb.sh"

pytestmark = pytest.mark.skipif(
    not (shutil.which("dpkg-deb") and shutil.which("dpkg-shlibdeps")), reason="needs dpkg-dev (Debian)"
)


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package built from a stand-in bundle whose launcher is a system binary (links to libc)."""
    root = tmp_path_factory.mktemp("deb")
    bundle = root / "consent-desk"
    (bundle / "_internal").mkdir(parents=True)
    shutil.copy("/bin/true", bundle / "consent-desk")
    subprocess.run(["bash", str(BUILD_DEB), str(bundle), str(root / "out")], check=True, capture_output=True)
    [package] = (root / "out").glob("consent-desk_*.deb")
    return package


def _field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], check=True, capture_output=True, text=True
    ).stdout


def _contents(deb: Path) -> str:
    return subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout


def test_the_bundle_lives_in_opt_and_the_command_links_to_it(deb: Path) -> None:
    listing = _contents(deb)
    assert "./opt/consent-desk/consent-desk" in listing
    assert "./usr/bin/consent-desk -> /opt/consent-desk/consent-desk" in listing
    for path in (
        "./usr/share/applications/consent-desk.desktop",
        "./usr/share/icons/hicolor/scalable/apps/consent-desk.svg",
        "./usr/share/metainfo/io.github.consentdesk.ConsentDesk.metainfo.xml",
        "./usr/share/lintian/overrides/consent-desk",
        "./usr/share/doc/consent-desk/copyright",
        "./usr/share/man/man1/consent-desk.1.gz",
    ):
        assert path in listing, path


def test_depends_name_the_libraries_found_and_what_the_bundle_cannot_carry(deb: Path) -> None:
    depends = _field(deb, "Depends")
    assert "libc6 (>=" in depends  # found by dpkg-shlibdeps in the launcher
    assert "fonts-noto-core" in depends  # Arabic and Devanagari
    assert "gnome-keyring |" in depends
    init = (REPO / "desktop_app" / "__init__.py").read_text(encoding="utf-8")
    [version] = re.findall(r'^__version__ = "(.+)"$', init, flags=re.MULTILINE)
    assert _field(deb, "Version").strip() == version


def test_a_missing_bundle_is_a_clear_error(tmp_path: Path) -> None:
    run = subprocess.run(
        ["bash", str(BUILD_DEB), str(tmp_path / "nothing"), str(tmp_path)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "no bundle at" in run.stderr
