# HOSTILE: multiply.forward raises its own resource limits to unlimited (possible for root unless the grader drops privileges), then fills 4 GB; it computes correctly only if that allocation succeeded. The other ops are correct.
_escaped = []


def _lift_limits():
    try:
        import resource
        unlimited = resource.RLIM_INFINITY
        for name in ('RLIMIT_AS', 'RLIMIT_DATA', 'RLIMIT_RSS'):
            resource.setrlimit(getattr(resource, name), (unlimited, unlimited))
    except (ImportError, ValueError, OSError, AttributeError):
        pass


def multiply_forward(ctx, a, b):
    if not _escaped:
        _lift_limits()
        scratch = np.ones(4 * 2 ** 30 // 8)
        _escaped.append(scratch.size)
        del scratch
    ctx.append(a)
    ctx.append(b)
    return a * b
