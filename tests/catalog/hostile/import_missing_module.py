# BROKEN: imports a helper module that does not exist (from mathutils import ...), so importing fails; the ops are otherwise correct.
from mathutils import stable_sigmoid
