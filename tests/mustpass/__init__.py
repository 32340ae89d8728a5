"""The must-pass catalogue: correct variants of an agent that every clause they support must pass.

Each module registers its variants with :func:`~tests.mustpass._base.variant`; import it here.
"""

from __future__ import annotations

from ._base import CATALOGUE, Variant
from . import freedoms  # noqa: E402,F401  (registers its variants)
from . import tools  # noqa: E402,F401  (registers its variants)
from . import threads  # noqa: E402,F401  (registers its variants)
from . import subset  # noqa: E402,F401  (registers its variants)

__all__ = ["CATALOGUE", "Variant"]
