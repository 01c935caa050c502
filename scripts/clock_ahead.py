"""Run a command with the system clock moved (default: a year ahead), through libfaketime.

Usage: python scripts/clock_ahead.py [--offset +365d] -- COMMAND [ARGS...]

The whole process tree sees the moved wall clock (time(), clock_gettime(CLOCK_REALTIME), SQLite's
'now', Qt's QDateTime), while monotonic clocks and sleeps stay real, so timeouts behave. The
libfaketime wheel vendors a build whose sleeps work with DONT_FAKE_MONOTONIC (Debian's 0.9.10
fails sub-second sleeps with EINVAL in that mode).
"""

from __future__ import annotations

import argparse
import os
import sys

import libfaketime


def moved_clock_environment(offset: str) -> dict[str, str]:
    """The environment additions that move the wall clock of a child process by `offset`."""
    _, additions = libfaketime.get_reload_information()
    env = {key: str(value) for key, value in additions.items()}
    env["FAKETIME"] = offset
    env["DONT_FAKE_MONOTONIC"] = "1"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offset", default="+365d", help="libfaketime offset, e.g. +365d or -30d")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    env = {**os.environ, **moved_clock_environment(args.offset)}
    os.execvpe(command[0], command, env)  # noqa: S606 (the caller's own command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
