"""The one gunicorn setting both the hello-world and katapp run under in `make bench` (issue #16)."""
workers = 2
worker_class = "sync"
timeout = 60
accesslog = None
errorlog = "-"
loglevel = "warning"
