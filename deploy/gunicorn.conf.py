"""Gunicorn settings for the LSI Assembly web service (docs/deployment.md).

Started by deploy/systemd/lsi-assembly-web.service as
``gunicorn --config /srv/lsi-assembly/app/deploy/gunicorn.conf.py wsgi:app``.
Every value can be changed from the environment file (/etc/lsi-assembly/env) without editing this file.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


#: Where nginx sends requests: loopback only, nginx is the public side.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Synchronous workers: 2 per core plus one, or GUNICORN_WORKERS. E-mail and PDFs run in the task worker,
#: so a request only waits for the database.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
#: Seconds a request may take before its worker is killed and replaced (nginx waits a little longer).
timeout = _int("GUNICORN_TIMEOUT", 30)
#: Seconds a worker has to finish its requests on restart (systemd's TimeoutStopSec is longer).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
#: nginx keeps connections to gunicorn short; a keep-alive longer than nginx's does nothing.
keepalive = 2
#: Replace each worker after this many requests (plus jitter, so they do not all restart at once).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
#: Request line and header limits (nginx enforces the body size: client_max_body_size).
limit_request_line = 4094
limit_request_fields = 100
#: The app trusts X-Forwarded-For/-Proto through TRUSTED_PROXY_COUNT (werkzeug's ProxyFix), not through
#: gunicorn; gunicorn accepts them only from nginx on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

#: Access log to stdout (journald): method, path, status, size, duration. The path only, never the query
#: string (``%(U)s``, not ``%(r)s``: a query may hold a searched name or an e-mail address); no client
#: address, user agent or referrer (nginx's log has the address, kept 14 days). The app hides the token
#: of a personal link in the path (core/log_privacy.py filters the ``gunicorn.access`` logger).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
#: Forward stdout/stderr of the app into the error log (journald).
capture_output = True
proc_name = "lsi-assembly-web"
