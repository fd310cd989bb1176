# HOSTILE: a syntax error (an unclosed bracket), so nothing can be imported; must score 0 with the line named.
def broken(x:
    return x
