"""A stable key for the reporting body, so the same body can be matched across report years.

Only presentation is normalized (full/half width, whitespace, invisible characters, the quote and bracket forms
NFKC folds); the words stay: 某市人民政府办公室 and 某市人民政府 are different bodies with different reports, and a
renamed body is a different key (the cross-year check then reports `not_assessable`, never a false match).
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")


def body_key(agency: str | None) -> str | None:
    if not agency:
        return None
    key = _INVISIBLE.sub("", unicodedata.normalize("NFKC", agency))
    return key or None
