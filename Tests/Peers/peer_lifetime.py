"""What both test peers need to live exactly as long as the test process that started them."""
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
