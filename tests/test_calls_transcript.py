"""Reading call transcripts: every import format, the errors a centre's file can hit, and masking."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.calls import (
    FORMATS,
    SpeakerNeeded,
    TranscriptError,
    content_key,
    decode,
    mask,
    parse,
    speaker_labels,
)
from assessment.calls.sample import AGENT_LABEL, sample_call, sample_segments


def zhiji_json(*segments: tuple) -> str:
    return json.dumps({"segments": [{"speaker": s, "start": a, "end": b, "text": t} for s, a, b, t in segments]},
                      ensure_ascii=False)


def sides(t) -> list[str]:
    return [s.speaker for s in t.segments]


# --- plain text ----------------------------------------------------------------------------------


def test_plain_chinese_text_with_full_width_colons_is_untimed_and_reads_both_sides():
    t = parse("坐席：您好，请问有什么可以帮您？\n客户：我的宽带断了。\n客服：我帮您查一下。\n")
    assert (t.format, t.lang, t.timed) == ("text", "zh", False)
    assert sides(t) == ["agent", "customer", "agent"]
    assert [s.text for s in t.segments] == ["您好，请问有什么可以帮您？", "我的宽带断了。", "我帮您查一下。"]
    assert all(s.start is None and s.end is None for s in t.segments)


def test_plain_english_text_with_ascii_colons_and_caller_label():
    t = parse("Agent: Good morning, how can I help?\nCaller: My bill is wrong.\nCustomer: It doubled.\n")
    assert (t.format, t.lang) == ("text", "en")
    assert sides(t) == ["agent", "customer", "customer"]


def test_customer_service_is_the_agent_and_user_the_customer():
    assert sides(parse("Customer Service: hello\nUser: hi\n")) == ["agent", "customer"]


def test_label_with_a_name_after_the_side_word_and_a_wrapped_line_continues_the_turn():
    t = parse("客服小王：您好，\n请问有什么可以帮您？\nCustomer 2: hello\nthere\n")
    assert sides(t) == ["agent", "customer"]
    assert t.segments[0].text == "您好，请问有什么可以帮您？"
    assert t.segments[1].text == "hello there"


def test_timestamps_mm_ss_and_hh_mm_ss_give_starts_and_each_line_runs_until_the_next():
    t = parse("[00:05] 坐席：您好\n[00:09]客户：你好\n[01:00:02] 坐席:感谢来电\n")
    assert t.timed and t.ends_estimated
    assert [(s.start, s.end) for s in t.segments[:2]] == [(5.0, 9.0), (9.0, 3602.0)]
    last = t.segments[2]
    # The last line lasts as long as its 4 characters take at 280 a minute, at least 1 s.
    assert last.start == 3602.0 and last.end == pytest.approx(3602.0 + max(1.0, 4 * 60 / 280))


def test_a_timestamp_without_brackets_is_read_too():
    t = parse("00:05 坐席：您好\n00:07 客户：你好\n01:02:03.5 坐席：请讲\n")
    assert [s.start for s in t.segments] == [5.0, 7.0, 3723.5]
    assert sides(t) == ["agent", "customer", "agent"]


def test_full_width_colons_inside_a_timestamp_are_read_too():
    t = parse("[00：05] 坐席：您好\n[00：07] 客户：你好\n")
    assert [s.start for s in t.segments] == [5.0, 7.0]


def test_timestamps_that_go_back_name_the_line():
    with pytest.raises(TranscriptError) as err:
        parse("[00:10] 坐席：您好\n[00:20] 客户：你好\n[00:15] 坐席：请讲\n")
    assert err.value.where == "line 3"
    assert "before the line above" in err.value.problem


def test_a_timestamp_on_some_lines_only_is_an_error_naming_the_line():
    with pytest.raises(TranscriptError) as err:
        parse("[00:10] 坐席：您好\n客户：你好\n")
    assert err.value.where == "line 2"


def test_first_line_without_a_speaker_names_line_1():
    with pytest.raises(TranscriptError) as err:
        parse("您好，请问有什么可以帮您\n客户：你好\n")
    assert str(err.value).startswith("line 1: ")


def test_a_speaker_that_is_neither_side_names_its_line():
    with pytest.raises(TranscriptError) as err:
        parse("坐席：您好\n客户：你好\n\n主管：我来接一下\n")
    assert err.value.where == "line 4"
    assert "'主管' is neither the agent nor the customer" in err.value.problem
    assert str(err.value) == f"{err.value.where}: {err.value.problem}"


def test_side_labels_decide_whatever_agent_speaker_a_form_sends():
    text = "客户：喂，你好\n坐席：您好，请问有什么可以帮您？\n"
    for agent in (None, "", "客户", "坐席", "someone"):
        assert sides(parse(text, agent_speaker=agent)) == ["customer", "agent"], agent


def test_a_side_label_and_a_numbered_one_need_agent_speaker_or_are_named():
    text = "坐席：您好\n说话人2：我的宽带断了\n"
    with pytest.raises(TranscriptError) as err:
        parse(text)
    assert err.value.where == "line 2"
    assert sides(parse(text, agent_speaker="坐席")) == ["agent", "customer"]


def test_numbered_speaker_labels_need_agent_speaker_and_list_what_was_found():
    text = "说话人1：您好，这里是客服中心\n说话人2：我的宽带断了\n说话人1：我帮您查\n"
    with pytest.raises(SpeakerNeeded) as err:
        parse(text)
    assert err.value.labels == ("说话人1", "说话人2")
    assert err.value.where == "agent_speaker"
    assert sides(parse(text, agent_speaker="说话人1")) == ["agent", "customer", "agent"]
    assert sides(parse(text, agent_speaker="说话人2")) == ["customer", "agent", "customer"]
    assert speaker_labels(text) == ("text", ("说话人1", "说话人2"))


# --- encodings -------------------------------------------------------------------------------------


def test_gbk_and_gb18030_bytes_are_decoded():
    text = "坐席：您好，请问有什么可以帮您？\n客户：我的话费多扣了。\n"
    for encoding in ("gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"):
        t = parse(text.encode(encoding))
        assert t.segments[1].text == "我的话费多扣了。", encoding


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused():
    with pytest.raises(TranscriptError) as err:
        decode("坐席：您好".encode("gbk") + b"\xff")
    assert err.value.where == "transcript"


def test_content_key_is_the_same_whatever_the_encoding_and_line_endings():
    text = "坐席：您好\n客户：你好\n"
    key = content_key(text.encode("utf-8"))
    assert content_key(text.encode("gbk")) == key
    assert content_key(text.replace("\n", "\r\n").encode("utf-8-sig")) == key
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert content_key("坐席：您好\n客户：您好\n") != key


# --- subtitles -----------------------------------------------------------------------------------------

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.500
<v 坐席>您好，请问有什么可以帮您？</v>

2
00:00:05.000 --> 00:00:08.000
<v.loud 客户>我的宽带<b>断了</b>

00:00:08.500 --> 00:00:10.500
<v Agent>好的，我查一下。
"""


def test_webvtt_voice_tags_with_classes_and_inline_tags():
    t = parse(VTT)
    assert (t.format, t.timed, t.ends_estimated) == ("vtt", True, False)
    assert sides(t) == ["agent", "customer", "agent"]
    assert [(s.start, s.end) for s in t.segments] == [(1.0, 4.5), (5.0, 8.0), (8.5, 10.5)]
    assert t.segments[1].text == "我的宽带断了"


def test_webvtt_cue_with_two_voices_shares_its_time_by_length_of_text():
    t = parse("WEBVTT\n\n00:00:00.000 --> 00:00:06.000\n<v 坐席>您好您好</v>\n<v 客户>你好</v>\n")
    assert sides(t) == ["agent", "customer"]
    # 4 characters and 2: two thirds of the 6 seconds to the agent.
    assert (t.segments[0].start, t.segments[0].end) == (0.0, 4.0)
    assert (t.segments[1].start, t.segments[1].end) == (4.0, 6.0)


def test_webvtt_cue_with_one_voice_on_two_lines_is_one_segment():
    t = parse("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n<v Agent>Hello,</v>\n<v Agent>how can I help?</v>\n")
    assert [(s.speaker, s.start, s.end, s.text) for s in t.segments] == [("agent", 0.0, 3.0, "Hello, how can I help?")]


def test_webvtt_cue_with_a_label_instead_of_a_voice_tag():
    t = parse("WEBVTT\n\n00:01.000 --> 00:02.000\nAgent: Hello\n\n00:02.500 --> 00:03.000\nCustomer: Hi\n")
    assert sides(t) == ["agent", "customer"]


def test_webvtt_cue_without_a_speaker_names_the_cue():
    with pytest.raises(TranscriptError) as err:
        parse("WEBVTT\n\n00:01.000 --> 00:02.000\n<v 坐席>您好\n\n00:02.500 --> 00:03.000\n你好\n")
    assert err.value.where == "cue 2"


def test_webvtt_with_arbitrary_voices_needs_agent_speaker():
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Li>Hello\n\n00:02.500 --> 00:03.000\n<v Zhang>Hi\n"
    with pytest.raises(SpeakerNeeded) as err:
        parse(text)
    assert err.value.labels == ("Li", "Zhang")
    assert sides(parse(text, agent_speaker="Li")) == ["agent", "customer"]


def test_broken_webvtt_is_an_error_not_a_crash():
    with pytest.raises(TranscriptError):
        parse("WEBVTT\n\nthis is not a cue\n", format="vtt")


SRT = """1
00:00:01,000 --> 00:00:03,000
坐席：您好，请问有什么可以帮您？

2
00:00:03,500 --> 00:00:06,250
客户：我想查一下话费
上个月多了五十块

3
00:00:06,000 --> 00:00:07,000
Agent: okay
"""


def test_srt_cues_with_labels_and_a_second_line_of_text():
    t = parse(SRT)
    assert (t.format, t.timed) == ("srt", True)
    assert sides(t) == ["agent", "customer", "agent"]
    assert t.segments[1].text == "我想查一下话费 上个月多了五十块"
    assert (t.segments[1].start, t.segments[1].end) == (3.5, 6.25)


def test_broken_srt_names_the_line_where_the_bad_cue_starts():
    with pytest.raises(TranscriptError) as err:
        parse("1\n00:00:01,000 --> 00:00:03,000\n坐席：您好\n\n2\n00:00:0x,000 --> 00:00:04,000\n客户：你好\n", format="srt")
    assert err.value.where == "line 5"


# --- JSON ----------------------------------------------------------------------------------------------


def test_zhiji_json_is_sorted_by_start():
    t = parse(zhiji_json(("customer", 3, 4, "你好"), ("agent", 0, 2.5, "您好")))
    assert (t.format, t.timed) == ("json", True)
    assert [(s.speaker, s.start, s.end) for s in t.segments] == [("agent", 0, 2.5), ("customer", 3, 4)]


def test_zhiji_json_without_times_is_untimed_in_file_order():
    t = parse(zhiji_json(("agent", None, None, "您好"), ("customer", None, None, "你好")))
    assert not t.timed and sides(t) == ["agent", "customer"]


def test_a_segment_that_ends_before_it_starts_is_named():
    with pytest.raises(TranscriptError) as err:
        parse(zhiji_json(("agent", 0, 2, "您好"), ("customer", 5, 3, "你好")))
    assert err.value.where == "segment 2"
    assert err.value.problem == "ends (3 s) before it starts (5 s)"


def test_json_speaker_neither_side_is_named():
    with pytest.raises(TranscriptError) as err:
        parse(zhiji_json(("agent", 0, 2, "您好"), ("supervisor", 3, 4, "我来")), format="json")
    assert err.value.where == "segment 2"
    assert "neither" in err.value.problem


def test_times_on_some_segments_only_and_bad_numbers_are_named():
    with pytest.raises(TranscriptError) as err:
        parse(zhiji_json(("agent", 0, 2, "您好"), ("customer", None, None, "你好")))
    assert err.value.where == "segment 2"
    with pytest.raises(TranscriptError) as err:
        parse(zhiji_json(("agent", "0", 2, "您好")))
    assert (err.value.where, err.value.problem) == ("segment 1", "'start' must be a number of seconds (0 or more)")


def test_invalid_json_names_its_line():
    with pytest.raises(TranscriptError) as err:
        parse('{"segments": [\n{"speaker": "agent",}\n]}')
    assert err.value.where == "line 2"


WHISPERX = json.dumps({"segments": [
    {"start": 0.0, "end": 2.0, "text": "您好，请问有什么可以帮您", "speaker": "SPEAKER_00"},
    {"start": 2.4, "end": 5.0, "text": "我的快递没收到", "speaker": "SPEAKER_01"},
]}, ensure_ascii=False)


def test_whisperx_needs_agent_speaker_and_lists_the_labels():
    with pytest.raises(SpeakerNeeded) as err:
        parse(WHISPERX)
    assert err.value.labels == ("SPEAKER_00", "SPEAKER_01")
    assert "SPEAKER_00, SPEAKER_01" in str(err.value)
    t = parse(WHISPERX, agent_speaker="SPEAKER_00")
    assert t.format == "whisperx" and sides(t) == ["agent", "customer"]
    assert speaker_labels(WHISPERX) == ("whisperx", ("SPEAKER_00", "SPEAKER_01"))


def test_an_agent_speaker_not_in_the_transcript_is_named():
    with pytest.raises(TranscriptError) as err:
        parse(WHISPERX, agent_speaker="SPEAKER_07")
    assert err.value.where == "agent_speaker"
    assert "found: SPEAKER_00, SPEAKER_01" in err.value.problem


def test_whisperx_segment_without_a_speaker_is_named():
    data = json.loads(WHISPERX)
    del data["segments"][1]["speaker"]
    with pytest.raises(TranscriptError) as err:
        parse(json.dumps(data), format="whisperx", agent_speaker="SPEAKER_00")
    assert (err.value.where, err.value.problem) == ("segment 2", "no speaker")


def test_vendor_sentences_in_milliseconds_by_channel():
    raw = json.dumps({"sentences": [
        {"beginTime": 0, "endTime": 1500, "channelId": 0, "text": "您好"},
        {"beginTime": 1800, "endTime": 4000, "channelId": 1, "text": "你好，我查话费"},
    ]}, ensure_ascii=False)
    with pytest.raises(SpeakerNeeded) as err:
        parse(raw)
    assert err.value.labels == ("0", "1")
    t = parse(raw, agent_speaker="0")
    assert t.format == "sentences"
    assert [(s.speaker, s.start, s.end) for s in t.segments] == [("agent", 0.0, 1.5), ("customer", 1.8, 4.0)]


def test_vendor_sentences_under_a_result_key_with_capitalised_keys():
    raw = json.dumps({"Result": {"Sentences": [
        {"BeginTime": 0, "EndTime": 1000, "ChannelId": 1, "Text": "您好"},
        {"BeginTime": 1000, "EndTime": 2000, "ChannelId": 0, "Text": "你好"},
    ]}}, ensure_ascii=False)
    t = parse(raw, agent_speaker="1")
    assert t.format == "sentences" and sides(t) == ["agent", "customer"]


# --- the call as a whole ------------------------------------------------------------------------------


def test_a_call_with_no_agent_speech_is_refused():
    with pytest.raises(TranscriptError) as err:
        parse("客户：喂？\n客户：有人吗？\n")
    assert err.value.where == "transcript"
    assert "no agent speech" in err.value.problem


def test_an_empty_transcript_is_refused():
    with pytest.raises(TranscriptError) as err:
        parse(zhiji_json(("agent", 0, 1, "  ")))
    assert err.value.where == "transcript"


def test_an_unknown_format_is_named():
    with pytest.raises(TranscriptError) as err:
        parse("坐席：您好\n", format="docx")
    assert err.value.where == "format"
    assert "text, vtt, srt, json, whisperx, sentences" in err.value.problem


def test_forcing_a_format_that_does_not_fit_is_an_error():
    with pytest.raises(TranscriptError):
        parse("坐席：您好\n客户：你好\n", format="json")


def test_language_is_detected_and_can_be_forced_and_checked():
    assert parse("Agent: hello there, how are you\nCustomer: 你好\n").lang == "en"
    assert parse("Agent: hello there, how are you\nCustomer: 你好\n", lang="zh").lang == "zh"
    assert parse("Agent: 您好，iPhone 的问题吗\nCustomer: 是的\n").lang == "zh"
    with pytest.raises(TranscriptError) as err:
        parse("坐席：您好\n", lang="fr")
    assert err.value.where == "lang"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips_a_generated_call(fmt):
    segs = sample_segments(seed=7, minutes=2)
    t = parse(sample_call(seed=7, minutes=2, format=fmt), agent_speaker=AGENT_LABEL.get(fmt))
    assert t.format == fmt and t.timed
    assert sides(t) == [s["speaker"] for s in sorted(segs, key=lambda s: s["start"])]
    assert "".join(s.text for s in t.segments).replace(" ", "") == "".join(mask(s["text"]) for s in sorted(
        segs, key=lambda s: s["start"])).replace(" ", "")


# --- masking ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("said, kept", [
    ("我的手机号是13812345678", "我的手机号是*******5678"),
    ("号码138 1234 5678谢谢", "号码*******5678谢谢"),
    ("138-1234-5678", "*******5678"),
    ("+86 138 1234 5678", "+*********5678"),
    ("身份证11010519491231002X", "身份证**************002X"),
    ("身份证110105194912310021。", "身份证**************0021。"),
    ("卡号6222 0212 3456 7890", "卡号************7890"),
    ("卡号6222-0212-3456-7890-123", "卡号***************0123"),
    ("１３８１２３４５６７８", "*******５６７８"),
    ("幺三八一二三四五六七八", "*******五六七八"),
])
def test_numbers_keep_only_their_last_4_digits(said, kept):
    assert mask(said) == kept


@pytest.mark.parametrize("said", ["请拨10086", "2024-01-01 10:30", "退款59.00元", "3 到 5 个工作日", "工号 12345"])
def test_short_numbers_stay(said):
    assert mask(said) == said


def test_numbers_are_masked_in_segments_labels_and_errors():
    t = parse("坐席：请问您的手机号？\n客户：13912345678\n")
    assert t.segments[1].text == "*******5678"
    with pytest.raises(SpeakerNeeded) as err:
        parse(json.dumps({"segments": [{"speaker": "13912345678", "start": 0, "end": 1, "text": "hi"},
                                       {"speaker": "13800001111", "start": 1, "end": 2, "text": "hello"}]}))
    assert "13912345678" not in str(err.value) and "*******5678" in err.value.labels
    raw = json.dumps({"segments": [{"speaker": "13912345678", "start": 0, "end": 1, "text": "hi"},
                                   {"speaker": "13800001111", "start": 1, "end": 2, "text": "hello"}]})
    assert sides(parse(raw, agent_speaker="*******5678")) == ["agent", "customer"]  # the label as shown works
    with pytest.raises(TranscriptError) as err:
        parse("坐席：您好\n13912345678：你好\n")
    assert "13912345678" not in str(err.value)


_SEPARATOR = st.sampled_from(["", "", "", " ", "-"])
_FILLER = st.text(alphabet="您好我的号码是卡abcXx ,-。：:0123456789", max_size=12)


@st.composite
def sensitive_number(draw) -> str:
    """A mobile, an ID or a card number, maybe split by spaces or dashes."""
    kind = draw(st.sampled_from(["mobile", "id", "card"]))
    if kind == "mobile":
        digits = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    elif kind == "id":
        digits = draw(st.text("0123456789", min_size=17, max_size=17)) + draw(st.sampled_from("0123456789X"))
    else:
        digits = draw(st.text("0123456789", min_size=16, max_size=19))
    out = digits[0]
    for ch in digits[1:]:
        out += draw(_SEPARATOR) + ch
    return out


def _digit_runs(text: str) -> list[str]:
    """Runs of digits that a single space or dash does not break: what a number could hide in."""
    return [re.sub(r"[ \-]", "", m) for m in re.findall(r"\d(?:[ \-]?\d)*", text)]


@settings(max_examples=200, deadline=None)
@given(before=_FILLER, number=sensitive_number(), after=_FILLER, speaker=st.sampled_from(["agent", "customer"]))
def test_no_mobile_id_or_card_number_survives_parse(before, number, after, speaker):
    said = before + number + after
    label = {"agent": "坐席", "customer": "客户"}[speaker]
    for raw in (zhiji_json(("agent", 0, 1, "您好"), (speaker, 1, 2, said)),
                f"坐席：您好\n{label}：{said}\n",
                f"WEBVTT\n\n00:00.000 --> 00:01.000\n<v 坐席>您好\n\n00:01.000 --> 00:02.000\n<v {label}>{said}\n"):
        t = parse(raw)
        for seg in t.segments:
            assert all(len(run) < 11 for run in _digit_runs(seg.text)), seg.text
        digits = re.sub(r"[ \-]", "", number)
        assert digits[:-4] not in re.sub(r"[ \-]", "", " ".join(s.text for s in t.segments))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789 -Xx一二三您好", max_size=60))
def test_mask_leaves_no_run_of_11_digits_in_any_text(text):
    assert all(len(run) < 11 for run in _digit_runs(mask(text)))


# --- hostile input ------------------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "WEBVTT\n\n", "00:00:01.000 --> 00:00:02.000\n", "00:00:01,000 --> 00:00:02,000\n", "1\n", "\n", "<v 坐席>",
    "</v>", "坐席：", "客户：", "Agent: ", "[00:05] ", "[99:99] ", "{", "}", "[", "]", '"segments"', '"sentences"',
    ":", ",", '{"speaker": "agent", "start": 1, "end": 0, "text": "x"}', "null", "-1", "1e309", "您好", "hello",
    "\ufeff", "\x00", "-->", "NOTE", "<", ">",
])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=14), fmt=st.sampled_from([None, *FORMATS]),
       agent=st.sampled_from([None, "", "坐席", "0", "SPEAKER_00"]))
def test_any_input_is_read_or_refused_with_a_transcript_error(pieces, fmt, agent):
    text = "".join(pieces)
    for raw in (text, text.encode("utf-8")):
        try:
            t = parse(raw, format=fmt, agent_speaker=agent)
        except TranscriptError as exc:
            assert exc.where and exc.problem
        else:
            assert t.segments and any(s.speaker == "agent" for s in t.segments)
            assert all(s.start is None or (s.end >= s.start >= 0) for s in t.segments)
        try:
            speaker_labels(raw, format=fmt)
        except TranscriptError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_with_a_transcript_error(raw):
    try:
        parse(raw)
    except TranscriptError:
        pass


_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["agent", "customer", "SPEAKER_00", 0, 1]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["speaker", "start", "end", "text", "beginTime", "endTime", "channelId", "segments",
                         "sentences", "result"]), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(segments=st.lists(st.dictionaries(st.sampled_from(["speaker", "start", "end", "text", "beginTime", "endTime",
                                                            "channelId"]), _JSON_VALUE, max_size=5), max_size=5),
       key=st.sampled_from(["segments", "sentences"]), agent=st.sampled_from([None, "agent", "0", "SPEAKER_00"]))
def test_any_json_shape_is_read_or_refused_with_a_transcript_error(segments, key, agent):
    try:
        t = parse(json.dumps({key: segments}), agent_speaker=agent)
    except TranscriptError as exc:
        assert exc.where and exc.problem
    else:
        assert all(s.start is None or s.end >= s.start for s in t.segments)
