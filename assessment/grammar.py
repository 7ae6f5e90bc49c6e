"""English articles before a word that arrives as a variable (a style name, a customer
type): "an Analytical caller", "a Driver agent". Pure.

Chinese has no articles, so the word comes back unchanged there. A message that puts a
style name after "a" writes the slot bare ("Right: %(type)s caller") and passes the name
through with_article, instead of spelling "a %(type)s" and getting "a Analytical".
"""

from __future__ import annotations

# Words whose first letter misleads: a vowel letter sounding like "you" or "one", or a
# silent h. Lower case, matched on the first word.
_A_DESPITE_VOWEL = ("one", "once", "uni", "use", "usu", "euro", "eu")
_AN_DESPITE_CONSONANT = ("hour", "honest", "honour", "honor", "heir")


def article(word: str) -> str:
    """'a' or 'an' for an English word, by how it starts when said aloud."""
    first = word.strip().split(" ", 1)[0].lower()
    if not first:
        return "a"
    if first.startswith(_AN_DESPITE_CONSONANT):
        return "an"
    if first.startswith(_A_DESPITE_VOWEL):
        return "a"
    return "an" if first[0] in "aeiou" else "a"


def with_article(word: str, lang: str = "en") -> str:
    """'an Analytical' in English; the word as it is in Chinese."""
    if lang != "en" or not word:
        return word
    return f"{article(word)} {word}"
