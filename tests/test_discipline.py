"""The suite's own rules hold: an undeclared warning fails a test, a declared one does not."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import REPO_ROOT

INNER_TESTS = '''
import logging

import pytest

log = logging.getLogger("desktop_app.somewhere")


def test_undeclared_warning():
    log.warning("the disk is on fire")


@pytest.mark.expect_log(logger="desktop_app", level="WARNING", match="on fire$")
def test_declared_warning():
    log.warning("the disk is on fire")


@pytest.mark.expect_log(level="WARNING", match="on fire$")
def test_declared_warning_but_an_error_came():
    log.error("the disk is on fire")


@pytest.mark.expect_log(level="WARNING", match="^the printer")
def test_declared_another_message():
    log.warning("the disk is on fire")


def test_declared_from_inside(expect_log):
    expect_log(level="ERROR", match="^gone")
    log.error("gone for good")


def test_info_is_never_checked():
    log.info("all fine")
'''


def test_only_undeclared_warnings_and_errors_fail(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["*WARNING desktop_app.somewhere (thread MainThread): the disk is on fire*"])
    failed = {line.split("::")[1].split()[0] for line in result.outlines if line.startswith("FAILED")}
    assert failed == {
        "test_undeclared_warning",
        "test_declared_warning_but_an_error_came",
        "test_declared_another_message",
    }


def test_a_warning_declared_here_is_allowed(expect_log) -> None:
    expect_log(logger="tests.discipline", level="WARNING", match="^declared$")
    logging.getLogger("tests.discipline").warning("declared")
