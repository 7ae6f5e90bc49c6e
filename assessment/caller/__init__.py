"""Read the caller: the quick identifier, the phrase bank and practice scenarios.

Pure Python (no Flask). The content lives in three TOML files in one folder
(``questionnaires/caller/``: ``cues.toml``, ``phrases.toml``, ``scenarios.toml``);
``load_caller_content`` reads and checks all three and raises ``QuestionnaireError``
listing every problem as ``"<file>: <entry>: <problem>"``, like the questionnaire
loader, so the app never starts with broken practice content.

The functions below return exactly the JSON bodies of the API:

* ``cues_document``      -> GET  /api/v1/caller-cues
* ``read_caller``        -> POST /api/v1/caller-cues/read
* ``phrases_document``   -> GET  /api/v1/phrases
* ``scenarios_document`` -> GET  /api/v1/practice/scenarios (no answer key)
* ``grade_attempt``      -> POST /api/v1/practice/attempts
* ``practice_summary``   -> team practice stats
* ``session_score``      -> the end of a practice session of ``SESSION_LENGTH``

Bad input from a request raises ``CallerInputError`` whose ``details`` map each
offending field (``"cues.<cue id>"``, ``"mood"``, ``"agent_style"``, ``"scenario"``,
``"customer_type"``, ``"reply"``) to a message naming the unknown value: a 400.

The code is split by job: ``content`` reads and checks the files into frozen
dataclasses, ``reading`` reads a caller from the cues and serves the phrase bank,
``practice`` grades practice calls and sums them up. Import from this package:
``from assessment.caller import X`` keeps working whichever module holds X.
"""

from .content import (
    CUES_FILE,
    NOTE_EN_MAX,
    NOTE_ZH_MAX,
    PHRASES_FILE,
    POLES,
    SAY_EN_MAX,
    SAY_ZH_MAX,
    SCENARIOS_FILE,
    TOPICS,
    Adjustment,
    CallerContent,
    CallerInputError,
    Cue,
    CueOption,
    EmpathyLine,
    Mood,
    Phrase,
    Replacement,
    Reply,
    Scenario,
    Technique,
    TypeGuide,
    load_caller_content,
)
from .practice import (
    SESSION_LENGTH,
    grade_attempt,
    practice_summary,
    scenarios_document,
    session_scenarios,
    session_score,
)
from .reading import AxisReading, axis_readings, cues_document, phrases_document, read_caller, sounds_like

__all__ = [
    "CUES_FILE", "NOTE_EN_MAX", "NOTE_ZH_MAX", "PHRASES_FILE", "POLES", "SAY_EN_MAX", "SAY_ZH_MAX",
    "SCENARIOS_FILE", "SESSION_LENGTH", "TOPICS",
    "Adjustment", "AxisReading", "CallerContent", "CallerInputError", "Cue", "CueOption", "EmpathyLine",
    "Mood", "Phrase", "Replacement", "Reply", "Scenario", "Technique", "TypeGuide",
    "axis_readings", "cues_document", "grade_attempt", "load_caller_content", "phrases_document",
    "practice_summary", "read_caller", "scenarios_document", "session_scenarios", "session_score",
    "sounds_like",
]
