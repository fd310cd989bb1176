# VALID: sigmoid.backward from d = 1 + exp(-|a|): sigma(|a|) = 1/d and 1 - sigma(|a|) = (d - 1)/d, so sigma'(a) = (d - 1) / d / d (sigma' is even).
def sigmoid_forward(ctx, a):
    z = np.exp(-np.abs(a))
    d = 1 + z
    ctx.append(d)
    return np.where(a >= 0, 1 / d, z / d)


def sigmoid_backward(ctx, grad_output):
    (d,) = ctx
    return (grad_output * (d - 1) / d / d,)
