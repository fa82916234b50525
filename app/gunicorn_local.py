"""gunicorn settings for `make run`: one server process that also hosts the reminder scheduler.

The one-command local run sends reminders too. One process (with threads for concurrent
requests) means one scheduler; production runs `flask scheduler` on its own instead.
"""

workers = 1
threads = 8


def post_worker_init(worker):
    from app.reminders.scheduler import build

    worker.scheduler = build(worker.wsgi, background=True)
    worker.scheduler.start()
    worker.log.info("reminder scheduler started in this process (sweep every 30 s)")


def worker_exit(server, worker):
    scheduler = getattr(worker, "scheduler", None)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
