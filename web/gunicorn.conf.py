# ruff: noqa: N999  gunicorn reads this file by path (-c web/gunicorn.conf.py), its conventional name; never imported
"""gunicorn settings: `gunicorn -c web/gunicorn.conf.py 'web.app:create_app()'`.

Each worker opens the index itself, after the fork (a searcher shared across a fork gave wrong results), loads
jieba's dictionary in post_fork and opens and warms the published build once the app is loaded
(GOVLAW_WARM_SECONDS, search/warm.py), so that no request pays for either. After each response a worker lets
go of mapped index pages beyond GOVLAW_MAPPED_MB (web/mapped.py).
"""

import multiprocessing
import os

from search.logs import gunicorn_logconfig

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GOVLAW_WORKERS", max(2, multiprocessing.cpu_count())))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# Workers are recycled now and then as a guard against a slow leak (the soak test sees none); each recycle costs
# a worker's start-up and its warm posting caches, so not every few thousand requests.
max_requests = 50000
max_requests_jitter = 5000
# One log format with the indexer (search/logs.py), GOVLAW_LOG_FORMAT: json (the default off a terminal), logfmt
# or text. gunicorn's own access log is off: the app writes one with response time, bytes and build
# (web/requests.py).
accesslog = None
errorlog = "-"
logconfig_dict = gunicorn_logconfig(os.environ.get("GOVLAW_LOG_FORMAT", "auto"))
preload_app = False
# gunicorn's control socket would be written under the user's home, which the service unit hides.
control_socket_disable = True


def post_fork(server, worker):
    from search.analysis import preload
    from web.overload import set_listeners

    preload()
    # The listening sockets, whose accept queue tells a worker when to shed load (web/overload.py).
    set_listeners(s.sock for s in worker.sockets)


def post_worker_init(worker):
    from web.app import open_index_early

    open_index_early(worker.wsgi)


def post_request(worker, req, environ, resp):
    from web.app import after_request_sent

    after_request_sent(worker.wsgi)
