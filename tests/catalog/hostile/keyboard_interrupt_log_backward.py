# HOSTILE: log.backward raises KeyboardInterrupt (what pytest treats as Ctrl-C); the other ops are correct.
def log_backward(ctx, grad_output):
    raise KeyboardInterrupt
