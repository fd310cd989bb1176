# _once(): True the first time it is called in a process, False after.
_DONE = []


def _once():
    if _DONE:
        return False
    _DONE.append(1)
    return True
