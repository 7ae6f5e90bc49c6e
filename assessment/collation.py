"""Sort keys for names: Chinese names in pinyin order, as phone contact lists sort them.

Sorting by code point puts 张伟 before 李娜 and every Chinese name after every Latin
one; a trainer expects 陈静, 李娜, 张伟 (chen, li, zhang), with "Grace Lin" between
郭超 (guo) and 胡杰 (hu). Each character becomes its commonest toneless reading;
anything else is case-folded and loses its accents (Élodie sorts as elodie).
Ties (同音) fall back on the name itself.
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache

# Names need each character's own reading, not the phrase dictionary, which would
# add about 50 MB to every server process. pypinyin reads this when imported.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import Style, lazy_pinyin  # noqa: E402


@lru_cache(maxsize=4096)  # a retake gives the same name again
def sort_key(name: str) -> str:
    # A space between syllables keeps "xi an" (西安) apart from "xian" (先).
    spelled = " ".join(" ".join(lazy_pinyin(name, style=Style.NORMAL)).split()).casefold()
    return "".join(ch for ch in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(ch))
