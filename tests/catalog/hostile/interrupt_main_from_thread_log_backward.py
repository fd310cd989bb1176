# HOSTILE: log.backward starts a thread that calls _thread.interrupt_main() 0.3 s later, so a KeyboardInterrupt lands wherever its process is then; the other ops are correct.
import _thread
import threading
import time


def _later():
    time.sleep(0.3)
    _thread.interrupt_main()


def log_backward(ctx, grad_output):
    threading.Thread(target=_later, daemon=True).start()
    a, = ctx
    return (grad_output / a,)
