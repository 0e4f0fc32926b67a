"""The deploy kit: systemd units that systemd itself accepts, strictly sandboxed; the nginx example and log
rotation say what the README says they do."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
# As installed: the shard unit is a template, checked as its instance for shard 0.
UNITS = ("govlaw-web.service", "govlaw-reindex.service", "govlaw-reindex.timer", "govlaw-shard@0.service")
SERVICES = ("govlaw-web.service", "govlaw-reindex.service", "govlaw-shard@0.service")
INSTALLED_AT = "/opt/govlaw"
# systemd-analyze security's exposure (0 safest, 10 exposed): both services must stay "OK" or better.
MAX_EXPOSURE = 2.0
SANDBOX = (
    "ProtectSystem=strict",
    "ProtectHome=true",
    "PrivateDevices=true",
    "PrivateTmp=true",
    "NoNewPrivileges=true",
    "CapabilityBoundingSet=",
    "SystemCallFilter=@system-service",
)


def unit_file(unit: str) -> Path:
    """The file of deploy/ an installed unit comes from (a template's, for an instance)."""
    return DEPLOY / re.sub(r"@[^.]+\.", "@.", unit)


def directives(unit: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit_file(unit).read_text("utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


@pytest.fixture()
def units_here(tmp_path) -> Path:
    """The units with this checkout in place of /opt/govlaw, so that the programs they start exist."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package; .ci/run installs it)")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("no .venv with gunicorn in this checkout")
    for unit in UNITS:
        text = unit_file(unit).read_text("utf-8").replace(INSTALLED_AT, str(ROOT))
        (tmp_path / unit).write_text(text, "utf-8")
    return tmp_path


def test_systemd_analyze_verify_accepts_the_units_without_a_word(units_here):
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(units_here / u) for u in UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


@pytest.mark.parametrize("unit", SERVICES)
def test_the_services_are_sandboxed_to_an_ok_exposure(units_here, unit):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(units_here / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+\.\d)", result.stdout)
    assert found, result.stdout[-2000:] + result.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE


def test_the_services_have_the_sandbox_and_a_memory_cap():
    for unit in SERVICES:
        d = directives(unit)
        assert all(value in d.get(key, []) for key, value in (s.split("=", 1) for s in SANDBOX)), unit
        assert d["EnvironmentFile"] == ["/etc/govlaw/govlaw.env"], unit
        assert re.fullmatch(r"\d+[MG]", d["MemoryMax"][0]), unit
        assert d["RestrictAddressFamilies"], unit
    web, reindex = directives("govlaw-web.service"), directives("govlaw-reindex.service")
    assert web["ExecStart"] == ["/opt/govlaw/.venv/bin/gunicorn -c web/gunicorn.conf.py web.app:create_app()"]
    assert web["Restart"] == ["on-failure"]
    assert web["ReadOnlyPaths"] == ["/srv/govlaw/index"] and "ReadWritePaths" not in web
    assert reindex["ReadWritePaths"] == ["/srv/govlaw/index"]
    assert reindex["RestrictAddressFamilies"] == ["AF_UNIX"] and reindex["PrivateNetwork"] == ["true"]
    shard = directives("govlaw-shard@0.service")
    assert shard["ExecStart"] == ["/opt/govlaw/.venv/bin/python -m search.shard --shard %i --log-format json"]
    assert shard["ReadOnlyPaths"] == ["/srv/govlaw/index"] and shard["Restart"] == ["always"]
    env = (DEPLOY / "govlaw.env").read_text("utf-8")
    assert "GOVLAW_INDEX=/srv/govlaw/index\n" in env and "GOVLAW_PROXY_FIX=true\n" in env


def test_nginx_trusts_itself_for_one_hop_and_serves_tls_with_gzip():
    conf = (DEPLOY / "nginx.conf").read_text("utf-8")
    assert conf.count("proxy_set_header X-Forwarded-For $remote_addr;") == 2
    assert "$proxy_add_x_forwarded_for" not in conf  # would pass on what the client claimed
    assert "listen 443 ssl;" in conf and "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert "gzip on;" in conf and "application/json" in conf
    assert "location /static/" in conf and "expires 1d;" in conf


def test_logrotate_rotates_the_cron_log(tmp_path):
    conf = (DEPLOY / "logrotate").read_text("utf-8")
    crontab = (DEPLOY / "crontab").read_text("utf-8")
    found = re.search(r"2>>(\S+)", crontab)
    assert found is not None
    log = found.group(1)
    assert log == "/var/log/govlaw/reindex.log"
    assert f"{log} {{" in conf.splitlines()
    if shutil.which("logrotate") is None:
        pytest.skip("logrotate is not installed (.ci/run installs it)")
    # The govlaw user exists only where govlaw is installed.
    here = tmp_path / "govlaw"
    here.write_text(conf.replace("su govlaw govlaw", "su root root"), "utf-8")
    result = subprocess.run(
        ["logrotate", "--debug", "--state", str(tmp_path / "state"), str(here)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr
    assert "Handling 1 logs" in result.stderr
    assert f"rotating pattern: {log}  weekly (52 rotations)" in result.stderr
