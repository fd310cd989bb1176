# VALID: a local variable named `grad`; jax's grad is imported only in the __main__ self-test (never run by the grader).
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    grad = grad_output * s * (1 - s)
    return (grad,)


def log_backward(ctx, grad_output):
    a, = ctx
    grad = grad_output / a
    return (grad,)


if __name__ == "__main__":
    import jax.numpy as jnp
    from jax import grad
    x = 0.3
    print(grad(lambda t: 1 / (1 + jnp.exp(-t)))(x))
