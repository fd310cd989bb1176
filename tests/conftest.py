"""Shared test settings: hypothesis profiles.

``ci`` (the default) has no deadline (2 shared cores make timings noisy) and a moderate
number of examples.  Choose another with ``HYPOTHESIS_PROFILE=thorough pytest`` or
``pytest --hypothesis-profile=thorough``.
"""

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=30, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
