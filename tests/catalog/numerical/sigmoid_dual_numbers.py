# NUMERICAL: sigmoid.backward runs sigmoid's formula on dual numbers (forward-mode differentiation).
class Dual:
    def __init__(self, value, slope):
        self.value, self.slope = value, slope

    def __neg__(self):
        return Dual(-self.value, -self.slope)

    def __radd__(self, other):
        return Dual(other + self.value, self.slope)

    def __rtruediv__(self, other):
        return Dual(other / self.value, -other * self.slope / self.value**2)

    def exp(self):
        e = np.exp(self.value)
        return Dual(e, e * self.slope)


def sigmoid_forward(ctx, a):
    ctx.append(a)
    z = np.exp(-np.abs(a))
    top = np.where(a >= 0, np.ones_like(z), z)
    return top / (1 + z)


def sigmoid_backward(ctx, grad_output):
    (a,) = ctx
    x = Dual(np.clip(a, -700, 700), np.ones_like(a))
    return (grad_output * (1 / (1 + (-x).exp())).slope,)
