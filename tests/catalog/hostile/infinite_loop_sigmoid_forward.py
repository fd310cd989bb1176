# HOSTILE: sigmoid.forward never returns (busy infinite loop); log, multiply and dot are correct.
def sigmoid_forward(ctx, a):
    s = np.zeros_like(a)
    while True:
        s = s * 0.5 + 0.5
    ctx.append(s)
    return s
