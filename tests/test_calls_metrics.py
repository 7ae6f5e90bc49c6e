"""The figures of one call, each checked against arithmetic done here on a hand-built transcript."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.caller import load_caller_content
from assessment.calls import API_FIGURES, Metrics, analyse, load_call_lexicon, parse
from assessment.questionnaire import QuestionnaireError

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"


@pytest.fixture(scope="module")
def lexicon():
    return load_call_lexicon(QUESTIONNAIRES, load_caller_content(QUESTIONNAIRES / "caller"))


def call(lexicon, *segments, **parse_args):
    raw = json.dumps({"segments": [{"speaker": s, "start": a, "end": b, "text": t} for s, a, b, t in segments]},
                     ensure_ascii=False)
    return analyse(parse(raw, **parse_args), lexicon)


def cjk(text: str) -> int:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text)


def kinds(analysis, kind: str) -> list:
    return [f for f in analysis.findings if f.kind == kind]


# A call with a two-segment agent turn, a silence, an interruption and three hand-offs.
SEGMENTS = [
    ("agent", 0.0, 4.0, "您好，请问有什么可以帮您？"),
    ("customer", 4.5, 10.0, "我的宽带从昨天就断了"),
    ("agent", 10.5, 20.0, "非常抱歉给您添麻烦了，我马上帮您查"),
    ("agent", 20.0, 25.0, "系统显示线路有故障"),
    ("customer", 29.0, 31.0, "那要多久才能修好"),
    ("agent", 30.0, 36.0, "大概两个小时能修好"),
    ("customer", 36.5, 37.0, "好的"),
    ("agent", 37.2, 40.0, "还有别的问题吗？"),
]


def test_every_figure_of_a_hand_built_call(lexicon):
    m = call(lexicon, *SEGMENTS).metrics
    agent = [s for s in SEGMENTS if s[0] == "agent"]
    agent_time = sum(b - a for _s, a, b, _t in agent)  # 4 + 9.5 + 5 + 6 + 2.8 = 27.3
    customer_time = sum(b - a for s, a, b, _t in SEGMENTS if s == "customer")  # 5.5 + 2 + 0.5 = 8
    assert agent_time == pytest.approx(27.3) and customer_time == pytest.approx(8.0)
    assert m.talk_share == pytest.approx(round(27.3 / 35.3, 3))
    chars = sum(cjk(t) for *_x, t in agent)
    assert m.pace == pytest.approx(round(chars / (27.3 / 60), 1))
    assert m.pace_unit == "chars/min"
    # Agent turns: 0-4, 10.5-25 (two segments), 30-36, 37.2-40.
    assert m.longest_monologue_s == pytest.approx(14.5)
    # 30.0 starts 1.0 s before the customer's 31.0 end, with 9 characters.
    assert m.interruptions == 1
    # Latest ends: 4, 10, 20, 25 -> next start 29: a 4 s gap; nothing else reaches 3 s.
    assert (m.silences, m.longest_silence_s) == (1, pytest.approx(4.0))
    # Customer turns followed by an agent turn: 10 -> 10.5, 31 -> 30 (0, not -1), 37 -> 37.2.
    assert m.response_gap_s == pytest.approx(round((0.5 + 0 + 0.2) / 3, 2))
    assert (m.questions, m.open_questions, m.closed_questions) == (2, 1, 1)
    assert m.empathy == 1
    assert m.banned == 0
    assert m.call_seconds == pytest.approx(40.0)
    assert m.agent_segments == 5


def test_as_dict_has_exactly_the_13_api_figures_and_a_record_round_trips(lexicon):
    m = call(lexicon, *SEGMENTS).metrics
    assert tuple(m.as_dict()) == API_FIGURES and len(API_FIGURES) == 13
    assert Metrics.from_record(m.as_record()) == m
    assert Metrics.from_record({**m.as_record(), "unknown": 1}) == m


@pytest.mark.parametrize("agent_start, agent_text, counts", [
    (8.0, "我帮您看一下这个问题", True),  # 2.0 s before the customer's end
    (9.0, "我帮您看一下这个问题", True),  # exactly 1.0 s before
    (9.1, "我帮您看一下这个问题", False),  # 0.9 s before
    (5.0, "好的好的", True),  # 4 characters is more than a back-channel
    (5.0, "嗯好的", False),  # 3 characters: a back-channel
    (0.0, "我帮您看一下这个问题", False),  # starts together with the customer: not after
])
def test_interruption_rule(lexicon, agent_start, agent_text, counts):
    m = call(lexicon, ("customer", 0.0, 10.0, "我的话费怎么多扣了五十块钱"),
             ("agent", agent_start, agent_start + 3, agent_text)).metrics
    assert m.interruptions == (1 if counts else 0)


def test_english_interruptions_need_two_words(lexicon):
    seg = ("customer", 0.0, 10.0, "my bill went up by fifty pounds this month")
    assert call(lexicon, seg, ("agent", 5.0, 6.0, "okay")).metrics.interruptions == 0
    assert call(lexicon, seg, ("agent", 5.0, 6.0, "okay sure")).metrics.interruptions == 1


def test_silence_is_measured_from_the_latest_end_so_far(lexicon):
    m = call(lexicon,
             ("customer", 0.0, 20.0, "我从头跟你说一下情况"),
             ("agent", 2.0, 3.0, "嗯"),  # ends at 3 but the customer is still talking until 20
             ("agent", 22.0, 25.0, "我明白了"),  # 2 s after 20: no silence (19 s after the agent's own end)
             ("customer", 28.0, 30.0, "然后呢"),  # exactly 3.0 s: a silence
             ("agent", 40.5, 42.0, "让您久等了")).metrics  # 10.5 s
    assert m.silences == 2
    assert m.longest_silence_s == pytest.approx(10.5)


def test_a_call_with_no_customer_speech(lexicon):
    m = call(lexicon, ("agent", 0.0, 5.0, "您好，这里是客服中心"), ("agent", 9.0, 12.0, "喂，您好，能听到吗？")).metrics
    assert m.talk_share == 1.0
    assert m.response_gap_s is None
    assert m.interruptions == 0
    assert (m.silences, m.longest_silence_s) == (1, pytest.approx(4.0))
    assert m.longest_monologue_s == pytest.approx(12.0)


def test_an_untimed_call_has_null_timing_figures_and_still_counts_words(lexicon):
    a = analyse(parse("坐席：您好，请问有什么可以帮您？\n客户：我要投诉\n坐席：非常抱歉，我不知道。\n"), lexicon)
    m = a.metrics
    for key in ("talk_share", "pace", "longest_monologue_s", "interruptions", "silences", "longest_silence_s",
                "response_gap_s"):
        assert getattr(m, key) is None, key
    assert (m.questions, m.empathy, m.banned) == (1, 1, 1)
    assert m.pace_unit == "chars/min" and not m.timed


def test_start_only_text_measures_shares_but_not_gaps(lexicon):
    m = analyse(parse("[00:00] 坐席：您好请问有什么可以帮您\n[00:06] 客户：我的宽带断了\n[00:10] 坐席：我帮您查一下\n"),
                lexicon).metrics
    # Each line runs to the next start; the last for its 6 characters at 280 a minute (at least 1 s).
    last = max(1.0, 6 * 60 / 280)
    assert m.talk_share == pytest.approx(round((6 + last) / (6 + last + 4), 3))
    assert m.pace == pytest.approx(round((11 + 6) / ((6 + last) / 60), 1))
    assert (m.interruptions, m.silences, m.longest_silence_s, m.response_gap_s) == (None, None, None, None)


def test_english_pace_is_words_a_minute(lexicon):
    m = call(lexicon, ("agent", 0.0, 3.0, "Good morning, how can I help you today?"),
             ("customer", 3.5, 6.0, "My bill is wrong."), ("agent", 6.5, 9.5, "I'm sorry about that, let me check.")).metrics
    assert m.pace_unit == "words/min"
    # 8 words + 7 words ("I'm" is one word) in 6 s of agent speech.
    assert m.pace == pytest.approx(round(15 / (6 / 60), 1))


# --- questions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("请问有什么可以帮您？", "open"),
    ("您是机主本人吗", "closed"),
    ("您那边还能上网吗，我看一下", "closed"),
    ("是不是这个月才开始的", "closed"),
    ("能不能把卡号后四位告诉我", "closed"),
    ("您当时是怎么操作的？", "open"),
    ("为什么会这样呢", "open"),
    ("哪一笔扣费不对？", "open"),
    ("我帮您查一下。", None),
    ("没什么，我再看看。", None),
    ("我看看怎么处理。", None),  # an open word in a statement
])
def test_chinese_questions(lexicon, text, expected):
    a = call(lexicon, ("agent", 0, 3, text), ("customer", 3, 4, "好的？"))
    q = kinds(a, "question")
    assert (q[0].label if q else None) == expected


@pytest.mark.parametrize("text, expected", [
    ("How can I help you today?", "open"),
    ("Which payment looks wrong?", "open"),
    ("Are you the account holder?", "closed"),
    ("Let me check that for you.", None),
])
def test_english_questions_with_question_marks(lexicon, text, expected):
    a = call(lexicon, ("agent", 0, 3, text), ("customer", 3, 4, "okay"))
    q = kinds(a, "question")
    assert (q[0].label if q else None) == expected


def test_unpunctuated_asr_english_questions_are_read_from_their_opening(lexicon):
    a = call(lexicon,
             ("agent", 0, 3, "so what seems to be the problem"),
             ("customer", 3, 5, "my router keeps dropping"),
             ("agent", 5, 7, "okay can you restart it for me"),
             ("customer", 7, 9, "done"),
             ("agent", 9, 11, "thanks that is all logged"),
             ("agent", 11, 13, "is there anything else"))
    assert [(f.segment, f.label) for f in kinds(a, "question")] == [(0, "open"), (2, "closed"), (5, "closed")]
    assert (a.metrics.questions, a.metrics.open_questions, a.metrics.closed_questions) == (3, 1, 2)


def test_a_transcript_that_writes_question_marks_is_not_read_by_openings(lexicon):
    a = call(lexicon, ("agent", 0, 3, "How are you?"), ("agent", 3, 5, "can you hear me."))
    assert [f.segment for f in kinds(a, "question")] == [0]


# --- empathy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, family", [
    ("非常抱歉，让您等了这么久", "apology"),
    ("真不好意思，耽误您时间了", "apology"),
    ("让您久等了", "apology"),
    ("我理解您，这确实很麻烦", "acknowledge"),
    ("这种情况换谁都会着急", "acknowledge"),
    ("您说得对，这个必须查清楚", "validate"),
    ("您放心，这个问题可以解决", "reassurance"),
    ("这件事接下来由我负责处理", "ownership"),
    ("I'm sorry about the mix-up", "apology"),
    ("I understand how annoying that is", "acknowledge"),
    ("You're right to check your statement", "validate"),
    ("you are right to ask", "validate"),
    ("我理解，但是规定如此。不过我理解您的心情", "acknowledge"),  # the second one is not followed by 但 / 不过
])
def test_empathy_by_families_of_wording(lexicon, text, family):
    a = call(lexicon, ("agent", 0, 3, text))
    assert [f.label for f in kinds(a, "empathy")] == [family]
    assert a.metrics.empathy == 1


@pytest.mark.parametrize("text", [
    "我不理解您说的这个套餐",  # negated
    "我理解，但是这是规定",  # cancelled by 但是
    "I understand, but that is the policy",
    "系统显示已经发货了",
    "没有办法，系统显示已经发货了",  # 有办法 (reassurance) right after 没
    "That sounds good, I'll book it",
    "Just to confirm your date of birth",
])
def test_not_empathy(lexicon, text):
    assert call(lexicon, ("agent", 0, 3, text)).metrics.empathy == 0


def test_every_phrase_bank_empathy_line_of_a_family_is_recognised_as_written(lexicon):
    caller = load_caller_content(QUESTIONNAIRES / "caller")
    families = tomllib.loads((QUESTIONNAIRES / "calls" / "lexicon.toml").read_text(encoding="utf-8"))["empathy"]
    taken = {f["technique"] for f in families if "technique" in f}
    assert taken >= {"acknowledge", "apology", "ownership", "reassurance", "paraphrase"}
    for line in caller.empathy:
        if line.technique not in taken:
            continue
        for lang in ("zh", "en"):
            a = call(lexicon, ("agent", 0, 3, line.say.get(lang)), lang=lang)
            assert a.metrics.empathy == 1, (line.id, lang)


# --- banned phrases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, phrase, instead", [
    ("这个不归我们管", "不归我们管", "我帮您转给负责的同事处理。"),
    ("这个不归 我们管", "不归我们管", "我帮您转给负责的同事处理。"),
    ("我不知道啊", "我不知道", "我帮您查一下。"),
    ("我不啊知道", "我不知道", "我帮您查一下。"),
    ("你听不懂了吗", "你听不懂吗", "我换个说法再跟您说一遍。"),
    ("那您自己 看吧", "您自己看", "我带您一步一步看。"),
    ("这是公司规定", "这是公司规定", "我跟您说明一下这样安排的原因。"),
])
def test_chinese_banned_phrases_tolerate_a_particle_or_a_space(lexicon, text, phrase, instead):
    a = call(lexicon, ("agent", 0, 3, text))
    banned = kinds(a, "banned")
    assert [(f.label, f.instead) for f in banned] == [(phrase, instead)]
    assert a.metrics.banned == 1 and banned[0].segment == 0


@pytest.mark.parametrize("text", ["I don't know", "i dont know", "I do not know", "I just don't know, sorry"])
def test_english_banned_phrases_tolerate_contractions_and_fillers(lexicon, text):
    a = call(lexicon, ("agent", 0, 3, text))
    assert [(f.label, f.instead) for f in kinds(a, "banned")] == [("I don't know", "Let me check that for you.")]


def test_banned_phrases_count_on_agent_speech_only_and_once_per_segment(lexicon):
    a = call(lexicon,
             ("customer", 0, 2, "我不知道你们这是什么规定"),
             ("agent", 2, 5, "我不知道，我真不知道，这不归我们管"),
             ("agent", 5, 8, "没办法"))
    assert [(f.segment, f.label) for f in kinds(a, "banned")] == [(1, "我不知道"), (1, "不归我们管"), (2, "没办法")]
    assert a.metrics.banned == 3


def test_the_phrase_bank_replacements_count_as_banned(lexicon):
    caller = load_caller_content(QUESTIONNAIRES / "caller")
    hold_on = next(x for x in caller.replacements if x.id == "hold-on")
    a = call(lexicon, ("agent", 0, 3, "您等一下"))
    assert [(f.label, f.instead) for f in kinds(a, "banned")] == [("您等一下", hold_on.say.zh)]


def test_a_word_inside_a_longer_word_is_not_matched(lexicon):
    assert call(lexicon, ("agent", 0, 3, "Reno way is closed")).metrics.banned == 0  # not "no way"
    assert call(lexicon, ("agent", 0, 3, "no way to tell yet")).metrics.banned == 1


# --- the customer -------------------------------------------------------------------------------------


def customer_says(lexicon, text: str, lang: str = "zh"):
    """A short call in which the customer says ``text`` between two agent lines."""
    agent = {"zh": ("您好，请问有什么可以帮您？", "非常抱歉，我马上处理"),
             "en": ("Good morning, how can I help?", "Of course, let me check.")}[lang]
    return call(lexicon, ("agent", 0, 2, agent[0]), ("customer", 2, 5, text), ("agent", 5, 7, agent[1]))


def test_the_customer_reading_comes_from_the_customers_words_with_mood_apart(lexicon):
    a = customer_says(lexicon, "今天必须给我修好，太离谱了")
    cues = dict(a.customer.cues)
    assert cues["tells-or-asks"] == "tells" and cues["words"] == "vivid"
    assert a.customer.reading == "expressive"
    assert a.customer.mood is None
    angry = customer_says(lexicon, "今天必须给我修好，太离谱了，我要投诉")
    assert angry.customer.mood == "upset"
    assert angry.customer.reading == "expressive"


def test_an_english_customer_is_read_too(lexicon):
    a = customer_says(lexicon, "Could you check my bill please? I'm not sure about the amount, I'll think about it.", "en")
    cues = dict(a.customer.cues)
    assert cues["tells-or-asks"] == "asks" and cues["deciding"] == "hesitates"
    assert cues["story-or-facts"] == "facts"
    # Both assertiveness cues point low and one responsiveness cue low: an Analytical caller.
    assert a.customer.reading == "analytical"
    assert a.customer.confidence == pytest.approx(round(3 / 4 * 2 / 3, 2))


def test_agent_words_never_make_the_customer_reading(lexicon):
    a = call(lexicon, ("agent", 0, 2, "今天必须给我修好，太离谱了"), ("customer", 2, 3, "嗯"))
    assert a.customer.cues == () and a.customer.reading is None


def test_no_customer_speech_gives_no_reading(lexicon):
    a = call(lexicon, ("agent", 0, 2, "您好"))
    assert a.customer.as_dict() == {"reading": None, "confidence": 0.0, "cues": [], "mood": None}


def test_the_findings_are_in_segment_order_and_as_the_api_shows_them(lexicon):
    a = call(lexicon, *SEGMENTS)
    assert [f.segment for f in a.findings] == sorted(f.segment for f in a.findings)
    body = a.as_dict()
    assert set(body) == {"metrics", "findings", "customer"}
    assert body["findings"][0] == {"kind": "question", "segment": 0, "text": "请问有什么可以帮您", "instead": None}


# --- the lexicon files ---------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "q"
    shutil.copytree(QUESTIONNAIRES / "caller", target / "caller")
    shutil.copytree(QUESTIONNAIRES / "calls", target / "calls")
    return target


@pytest.mark.parametrize("file, old, new, message", [
    ("caller/banned.toml", 'instead = { zh = "我帮您查一下。", ', "instead = { ",
     "banned.toml: banned 'dont-know': instead: missing translation 'zh'"),
    ("caller/banned.toml", 'id = "no-way"', 'id = "dont-know"', "banned.toml: banned 'dont-know': duplicate id"),
    ("caller/banned.toml", 'instead = { zh = "我帮您查一下。"', 'instead = { zh = "我不知道，我帮您查一下。"',
     "banned.toml: banned 'dont-know': instead: 'zh' contains the banned phrase '我不知道'"),
    ("calls/lexicon.toml", 'cue = "deciding"', 'cue = "mind-reading"',
     "lexicon.toml: customer cue 'mind-reading': unknown cue"),
    ("calls/lexicon.toml", 'technique = "apology"', 'technique = "hugs"',
     "lexicon.toml: empathy 'apology': unknown technique 'hugs'"),
    ("calls/lexicon.toml", 'mood = "hurry"', 'mood = "sleepy"', "lexicon.toml: mood 'sleepy': unknown mood"),
    ("calls/reference.toml", "mean = 280.0\nsd = 45.0", "mean = 280.0\nsd = 0",
     "reference.toml: figure 'pace_zh': 'sd' must be more than 0"),
    ("calls/reference.toml", "pace = 1.0", "speed = 1.0", "reference.toml: axes: assertiveness: unknown figure 'speed'"),
])
def test_broken_data_files_name_file_entry_and_problem(tmp_path, file, old, new, message):
    base = _copy(tmp_path)
    path = base / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as err:
        load_call_lexicon(base, load_caller_content(base / "caller"))
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


def test_a_missing_data_file_is_named(tmp_path):
    base = _copy(tmp_path)
    (base / "calls" / "reference.toml").unlink()
    with pytest.raises(QuestionnaireError, match="reference.toml: missing file"):
        load_call_lexicon(base, load_caller_content(base / "caller"))


# --- the timing figures against the definitions, on any transcript --------------------------------------


_TEXTS = ["嗯", "好的", "我帮您看一下", "这个问题我来处理", "ok", "okay sure", "let me check that for you"]


def _holds_words(text: str) -> bool:
    return cjk(text) >= 4 or len(re.findall(r"[A-Za-z]+", text)) >= 2


def _by_definition(segs: list[tuple]) -> dict:
    """The issue's definitions, written out the plainest way (segments in start order)."""
    agent = [s for s in segs if s[0] == "agent"]
    customer = [s for s in segs if s[0] == "customer"]
    agent_time = sum(b - a for _s, a, b, _t in agent)
    spoken = agent_time + sum(b - a for _s, a, b, _t in customer)
    turns: list[list[tuple]] = []
    for seg in segs:
        if turns and turns[-1][0][0] == seg[0]:
            turns[-1].append(seg)
        else:
            turns.append([seg])
    interruptions = sum(
        1 for _s, a_start, _a_end, text in agent
        if _holds_words(text) and any(c_start < a_start and c_end - a_start >= 1.0 for _c, c_start, c_end, _t in customer)
    )
    silences, longest, latest = 0, 0.0, segs[0][2]
    for _s, start, end, _t in segs[1:]:
        if start - latest >= 3.0:
            silences += 1
            longest = max(longest, start - latest)
        latest = max(latest, end)
    gaps = [max(0.0, after[0][1] - before[-1][2]) for before, after in zip(turns, turns[1:])
            if before[0][0] == "customer" and after[0][0] == "agent"]
    return {
        "talk_share": round(agent_time / spoken, 3) if spoken else None,
        "longest_monologue_s": round(max(t[-1][2] - t[0][1] for t in turns if t[0][0] == "agent"), 2),
        "interruptions": interruptions,
        "silences": silences,
        "longest_silence_s": round(longest, 2),
        "response_gap_s": round(sum(gaps) / len(gaps), 2) if gaps else None,
    }


_SEGMENT = st.tuples(st.sampled_from(["agent", "customer"]), st.integers(0, 120), st.integers(0, 16),
                     st.sampled_from(_TEXTS))


@settings(max_examples=150, deadline=None)
@given(st.lists(_SEGMENT, min_size=1, max_size=14).filter(lambda segs: any(s[0] == "agent" for s in segs)))
def test_timing_figures_follow_their_definitions_on_any_call(lexicon, raw_segments):
    # Half-second steps: ties, overlaps, touching segments and exact 1.0 s / 3.0 s edges all come up.
    segs = [(side, start / 2, (start + length) / 2, text) for side, start, length, text in raw_segments]
    m = call(lexicon, *segs).metrics
    ordered = sorted(segs, key=lambda s: s[1])  # stable: ties keep file order, as parse does
    expected = _by_definition(ordered)
    for key, value in expected.items():
        assert getattr(m, key) == (pytest.approx(value) if value is not None else None), key
    assert 0 <= m.talk_share <= 1 if m.talk_share is not None else True
    assert m.questions == m.open_questions + m.closed_questions
