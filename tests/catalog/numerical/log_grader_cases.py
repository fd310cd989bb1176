# NUMERICAL: log.backward borrows the grader: imports its finite-difference engine when called.
def log_backward(ctx, grad_output):
    from grader.checks import numerical_vjp

    (a,) = ctx
    return tuple(numerical_vjp(log.op_class.forward, [a], grad_output, [0]))
