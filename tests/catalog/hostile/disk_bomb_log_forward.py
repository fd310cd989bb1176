# HOSTILE: log.forward fills its temp folder with 16 MB files, 256 MB at most (once per process: later calls find them), then raises an error saying how much it wrote; the other ops are correct.
# include: once


# include: reference


def _attack():
    if not _once():
        raise RuntimeError('disk bomb: the folder is full already')
    written, error = (0, 'no error')
    try:
        for i in range(16):
            with open(f'hw3-disk-bomb-{i}.bin', 'wb') as f:
                for _ in range(16):
                    f.write(bytes(1 << 20))
                    written += 1 << 20
    except OSError as err:
        error = f'{type(err).__name__}: {err.strerror}'
    raise RuntimeError(f'disk bomb: wrote {written >> 20} MB ({error})')


def log_forward(ctx, a):
    _attack()
    return reference.log.forward(ctx, a)
