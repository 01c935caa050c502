"""The tunnel helper against fake cloudflared/ngrok executables that print like the real ones."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from desktop_app.services.tunnel import (
    INSTALL_HINT,
    Tunnel,
    TunnelError,
    TunnelTool,
    find_tunnel_tool,
    parse_public_url,
    tunnel_command,
)

CLOUDFLARED_OUTPUT = """\
2026-11-25T13:40:00Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment.
2026-11-25T13:40:00Z INF Requesting new quick Tunnel on trycloudflare.com...
2026-11-25T13:40:01Z INF +--------------------------------------------------------------------------------------------+
2026-11-25T13:40:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
2026-11-25T13:40:01Z INF |  https://violet-harbor-lines-example.trycloudflare.com                                      |
2026-11-25T13:40:01Z INF +--------------------------------------------------------------------------------------------+
2026-11-25T13:40:01Z INF Cannot determine default configuration path. No file [config.yml config.yaml] in [~/.cloudflared]
"""  # noqa: E501 (verbatim tool output)
NGROK_OUTPUT = """\
t=2026-11-25T13:40:00+0000 lvl=info msg="no configuration paths supplied"
t=2026-11-25T13:40:00+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:4040 allow_hosts=[]
t=2026-11-25T13:40:01+0000 lvl=info msg="client session established" obj=tunnels.session
t=2026-11-25T13:40:01+0000 lvl=info msg="started tunnel" obj=tunnels name=command_line addr=http://127.0.0.1:8787 url=https://1a2b-203-0-113-7.ngrok-free.app
"""  # noqa: E501 (verbatim tool output)


def _fake_tool(
    folder: Path, name: str, output: str, *, exit_code: int | None = None, stderr: bool = False
) -> Path:
    """An executable that records its argv, prints `output`, then waits to be stopped (or exits)."""
    script = folder / name
    stream = "sys.stderr" if stderr else "sys.stdout"
    tail = f"sys.exit({exit_code})" if exit_code is not None else "time.sleep(60)"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, time, json, pathlib\n"
        f"pathlib.Path({str(folder / (name + '.argv'))!r}).write_text(json.dumps(sys.argv[1:]))\n"
        f"{stream}.write({output!r})\n"
        f"{stream}.flush()\n"
        f"{tail}\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_finds_cloudflared_first(tmp_path: Path) -> None:
    assert find_tunnel_tool(str(tmp_path)) is None
    _fake_tool(tmp_path, "ngrok", NGROK_OUTPUT)
    assert find_tunnel_tool(str(tmp_path)).name == "ngrok"
    _fake_tool(tmp_path, "cloudflared", CLOUDFLARED_OUTPUT)
    tool = find_tunnel_tool(str(tmp_path))
    assert tool is not None and tool.name == "cloudflared" and tool.path == str(tmp_path / "cloudflared")


def test_install_hint_names_both_tools() -> None:
    assert "cloudflared" in INSTALL_HINT and "ngrok" in INSTALL_HINT


def test_cloudflared_url_from_stderr_box(tmp_path: Path) -> None:
    _fake_tool(tmp_path, "cloudflared", CLOUDFLARED_OUTPUT, stderr=True)
    tool = find_tunnel_tool(str(tmp_path))
    with Tunnel(tool, 8787) as tunnel:
        url = tunnel.start(timeout=20)
        assert url == "https://violet-harbor-lines-example.trycloudflare.com"
        assert tunnel.callback_url() == url + "/webhook"
        assert tunnel.running
    assert not tunnel.running
    argv = (tmp_path / "cloudflared.argv").read_text()
    assert '"--url", "http://127.0.0.1:8787"' in argv


def test_ngrok_url_from_logfmt(tmp_path: Path) -> None:
    _fake_tool(tmp_path, "ngrok", NGROK_OUTPUT)
    tool = find_tunnel_tool(str(tmp_path))
    tunnel = Tunnel(tool, 8787)
    try:
        assert tunnel.start(timeout=20) == "https://1a2b-203-0-113-7.ngrok-free.app"
    finally:
        tunnel.stop()
    assert not tunnel.running and tunnel.public_url is None
    assert '"http", "http://127.0.0.1:8787"' in (tmp_path / "ngrok.argv").read_text()


def test_tool_that_exits_reports_its_output(tmp_path: Path) -> None:
    _fake_tool(
        tmp_path, "cloudflared", "ERR failed to request quick Tunnel: 429 Too Many Requests\n", exit_code=1
    )
    tunnel = Tunnel(find_tunnel_tool(str(tmp_path)), 8787)
    with pytest.raises(TunnelError, match="429 Too Many Requests"):
        tunnel.start(timeout=20)
    assert not tunnel.running


def test_tool_that_never_prints_a_url_times_out(tmp_path: Path) -> None:
    _fake_tool(tmp_path, "ngrok", 't=x lvl=info msg="waiting"\n')
    tunnel = Tunnel(find_tunnel_tool(str(tmp_path)), 8787)
    with pytest.raises(TunnelError, match="did not report a public address"):
        tunnel.start(timeout=1.0)
    assert not tunnel.running


def test_missing_executable_is_a_clear_error(tmp_path: Path) -> None:
    tunnel = Tunnel(TunnelTool("cloudflared", str(tmp_path / "gone")), 8787)
    with pytest.raises(TunnelError, match="could not be started"):
        tunnel.start(timeout=1.0)


def test_parse_ignores_other_cloudflare_links() -> None:
    line = "INF Visit https://developers.cloudflare.com/cloudflare-one/ for more"
    assert parse_public_url("cloudflared", line) is None
    assert tunnel_command(TunnelTool("ngrok", "/x/ngrok"), "127.0.0.1", 9)[:3] == [
        "/x/ngrok",
        "http",
        "http://127.0.0.1:9",
    ]
