# BROKEN: dot is not defined at all (only sigmoid, log and multiply); those three are correct.
del dot
