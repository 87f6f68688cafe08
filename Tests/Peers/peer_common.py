"""What both test peers share: living exactly as long as the test process that started them,
and answering with JSON."""
import json
import os
import signal
import threading
import time


def exit_with_parent():
    """Makes SIGTERM work (the parent may spawn us with signals blocked) and
    exits as soon as the parent process is gone."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    threading.Thread(target=_poll_parent, args=(os.getppid(),), daemon=True).start()


def _poll_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def reply_json(handler, status, document, extra_headers=()):
    """Sends `document` as a JSON response from a BaseHTTPRequestHandler (no body for HEAD)."""
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in extra_headers:
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)
