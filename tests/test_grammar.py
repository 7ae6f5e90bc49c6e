"""English articles before a style name that arrives as a variable (assessment/grammar.py)."""

from __future__ import annotations

import pytest

from assessment.grammar import article, with_article


@pytest.mark.parametrize("word, expected", [
    ("Analytical", "an Analytical"), ("Expressive", "an Expressive"), ("Amiable", "an Amiable"),
    ("Driver", "a Driver"), ("upset caller", "an upset caller"), ("unique case", "a unique case"),
    ("hour", "an hour"), ("one-off", "a one-off"), ("Europe", "a Europe"), ("", ""),
])
def test_english_takes_the_article_its_sound_needs(word, expected):
    assert with_article(word, "en") == expected


def test_chinese_has_no_article():
    assert with_article("分析型", "zh") == "分析型"
    assert with_article("Analytical", "zh") == "Analytical"


def test_the_article_alone():
    assert article("  Amiable") == "an" and article("Driver") == "a"
