# NUMERICAL: multiply.backward samples the product at three points and calls np.gradient.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    h = 1e-4
    along_a = np.gradient(np.stack([(a - h) * b, a * b, (a + h) * b]), h, axis=0)[1]
    along_b = np.gradient(np.stack([a * (b - h), a * b, a * (b + h)]), h, axis=0)[1]
    return grad_output * along_a, grad_output * along_b
