"""deploy/: the gunicorn settings load, the systemd units have what they need and point at the paths that
docs/deployment.md installs, the nginx site has TLS, HSTS and limits (and passes ``nginx -t`` when nginx is
installed)."""
from __future__ import annotations

import configparser
import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import in_ci

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
NGINX_SITE = DEPLOY / "nginx" / "lsi-assembly.conf"
DOCS = (ROOT / "docs" / "deployment.md").read_text()


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name)
    return parser


def _gunicorn_settings(**environ) -> dict:
    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    try:
        return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_gunicorn_settings_load_and_follow_the_environment():
    settings = _gunicorn_settings(GUNICORN_WORKERS="3", GUNICORN_BIND="127.0.0.1:8123", GUNICORN_TIMEOUT="25")
    assert settings["workers"] == 3 and settings["bind"] == "127.0.0.1:8123" and settings["timeout"] == 25
    assert settings["graceful_timeout"] < 30  # within the web unit's TimeoutStopSec
    assert "127.0.0.1" in settings["forwarded_allow_ips"]


def test_gunicorn_access_log_has_no_query_string_nor_client_details():
    log_format = _gunicorn_settings()["access_log_format"]
    assert "%(U)s" in log_format  # the path alone
    for leaking in ("%(r)s", "%(q)s", "%(a)s", "%(f)s", "%(h)s", "{cookie}", "%(u)s"):
        assert leaking not in log_format


def test_gunicorn_serves_the_app_with_these_settings():
    """``gunicorn --check-config`` loads the settings and imports wsgi:app."""
    gunicorn = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "gunicorn"
    if not gunicorn.exists():
        gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    env = {**os.environ, "LSI_ENV": "testing", "PYTHONPATH": str(ROOT), "GUNICORN_WORKERS": "1",
           "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([str(gunicorn), "--config", "deploy/gunicorn.conf.py", "--check-config", "wsgi:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["lsi-assembly-web.service", "lsi-assembly-worker.service",
                                  "lsi-assembly-backup.service"])
def test_service_units_run_as_the_app_user_with_its_environment(name):
    service = _unit(name)["Service"]
    assert service["User"] == "lsi-assembly" and service["Group"] == "lsi-assembly"
    assert service["EnvironmentFile"] == "/etc/lsi-assembly/env"
    assert service["WorkingDirectory"] == "/srv/lsi-assembly/app"
    assert service["NoNewPrivileges"] == "yes"
    for path in (service["EnvironmentFile"], service["WorkingDirectory"], service["ExecStart"].split()[0]):
        assert path in DOCS, f"{name}: {path} is not in docs/deployment.md"


def test_web_unit_runs_gunicorn_with_the_deploy_settings():
    unit = _unit("lsi-assembly-web.service")
    service = unit["Service"]
    assert service["ExecStart"].split()[:3] == [
        "/srv/lsi-assembly/venv/bin/gunicorn", "--config", "/srv/lsi-assembly/app/deploy/gunicorn.conf.py"]
    assert service["ExecStart"].endswith(" wsgi:app")
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 30
    assert service["Restart"] in {"on-failure", "always"}
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_worker_unit_runs_flask_worker_and_stops_gracefully():
    unit = _unit("lsi-assembly-worker.service")
    service = unit["Service"]
    assert service["ExecStart"] == "/srv/lsi-assembly/venv/bin/flask --app wsgi worker"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 30
    assert service["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_backup_timer_starts_the_backup_service_which_runs_flask_backup():
    timer = _unit("lsi-assembly-backup.timer")
    assert timer["Timer"]["Unit"] == "lsi-assembly-backup.service"
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = _unit("lsi-assembly-backup.service")["Service"]
    assert service["Type"] == "oneshot" and service["UMask"] == "0077"
    script = DEPLOY / "lsi-assembly-backup.sh"
    assert service["ExecStart"] == "/srv/lsi-assembly/app/deploy/" + script.name
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert 'wsgi backup --out "$file"' in text
    subprocess.run(["sh", "-n", str(script)], check=True)


def test_units_pass_systemd_analyze_verify(tmp_path):
    """No unknown key, no value systemd cannot parse (only the not-yet-installed programs are missing)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if in_ci():
            pytest.fail("systemd-analyze is missing (CI=true)")
        pytest.skip("systemd-analyze is not installed")
    for unit in UNITS.iterdir():
        shutil.copy(unit, tmp_path / unit.name)
    units = sorted(str(path) for path in tmp_path.iterdir())
    result = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if line.strip() and "is not executable: No such file or directory" not in line]
    assert problems == []


def _directives(text: str, name: str) -> list[str]:
    """The values of directive ``name`` (a quoted string may hold a semicolon)."""
    pattern = rf'^\s*{name}\s+((?:"[^"]*"|[^;"])+);'
    return [match.group(1).strip() for match in re.finditer(pattern, text, re.MULTILINE)]


def test_nginx_site_has_tls_hsts_limits_and_serves_the_static_files():
    site = NGINX_SITE.read_text()
    assert "listen 443 ssl http2" in site
    assert _directives(site, "ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    # certbot's paths, as the guide has them (with YOUR.NAME for the site's name).
    certificates = _directives(site, "ssl_certificate") + _directives(site, "ssl_certificate_key")
    assert len(certificates) == 2
    assert all(path.replace("assembly.example.org", "YOUR.NAME") in DOCS for path in certificates), certificates
    hsts = _directives(site, "add_header Strict-Transport-Security")
    # In the server and repeated in every location that sets its own headers (add_header is not inherited).
    assert len(hsts) == site.count("add_header Cache-Control") + 1
    assert all("max-age=63072000" in value and value.endswith("always") for value in hsts)
    assert _directives(site, "client_max_body_size") == ["16m"]
    for timeout in ("client_body_timeout", "client_header_timeout", "proxy_read_timeout"):
        assert _directives(site, timeout), timeout
    assert "return 301 https://$host$request_uri" in site
    assert _directives(site, "alias") == ["/srv/lsi-assembly/app/static/"]
    # The client's address as nginx saw it, never a header the client could have sent.
    assert set(_directives(site, "proxy_set_header X-Forwarded-For")) == {"$remote_addr"}
    assert set(_directives(site, "proxy_set_header X-Forwarded-Proto")) == {"$scheme"}
    assert "$request_uri" not in site.split("log_format", 1)[1].split(";", 1)[0]
    assert "$request " not in site.split("log_format", 1)[1].split(";", 1)[0]


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        if in_ci():
            pytest.fail("nginx is missing (CI=true): apt install nginx-light")
        pytest.skip("nginx is not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=assembly.example.org", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = NGINX_SITE.read_text()
    site = site.replace("/etc/letsencrypt/live/assembly.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/assembly.example.org/privkey.pem", str(tmp_path / "key.pem"))
    site = site.replace("/var/log/nginx/", str(tmp_path) + "/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log {tmp_path}/access.log;\n"
        + "".join(f"    {kind}_temp_path {tmp_path}/{kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"    include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
