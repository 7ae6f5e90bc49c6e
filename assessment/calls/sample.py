"""Realistic made-up calls, for the demo, tests and benchmarks.

``sample_call`` writes a whole transcript in any of the import formats; an agent
``style`` shapes how the agent talks the way the observed style reads it (Drivers
and Expressives talk more, faster and longer and ask less; Expressives and Amiables
acknowledge, show feeling and chat; Drivers and Analyticals stay factual). Callers
read out phone, ID and card numbers now and then, so masking is always exercised.
The same seed gives the same call.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ..model import STYLE_POLES

# The agent speaker label for formats whose speakers are labels or channels.
AGENT_LABEL = {"whisperx": "SPEAKER_00", "sentences": "0"}

_LINES = {
    "zh": {
        "facts": [
            "系统显示这笔费用是本月三号扣的。", "您的套餐每月包含三十G流量。", "退款会原路返回，一般三到五个工作日到账。",
            "这个订单目前在运输途中。", "我这边看到您上个月有一笔国际漫游费。", "工单已经登记好了，编号我稍后发短信给您。",
            "维修师傅明天上午上门。", "这个业务每月收费十元，开通前需要您确认。", "账单里第二项是增值业务的费用。",
            "包裹今天下午从分拣中心发出。",
        ],
        "open": ["请问有什么可以帮您？", "您说的费用是从什么时候开始的？", "您当时是怎么操作的？", "您希望我们怎么处理比较好？",
                 "哪一笔扣费您觉得不对？", "为什么您觉得这笔钱扣错了？"],
        "closed": ["您是机主本人吗？", "是不是这个月才开始的？", "您现在方便接收短信吗？", "路由器的灯还亮着吗？",
                   "有没有收到我们的短信？", "我这样说清楚吗？"],
        "empathy": ["非常抱歉，让您久等了。", "我理解您的心情，换谁都会着急。", "您说得对，这个确实要查清楚。",
                    "您放心，这个问题是可以解决的。", "给您添麻烦了，我来负责处理。", "您是说昨天开始就上不了网，对吗？"],
        "warm": ["太好了！问题解决了。", "能帮上您我也很开心！", "哇，您记得真清楚！", "谢谢您这么耐心！"],
        "small_talk": ["最近降温了，您出门注意保暖。", "周末还要处理这个，真是辛苦您了。", "听着您那边孩子挺热闹的。"],
        "banned": ["这个不归我们管。", "我也不知道呢。", "系统就是这样的。"],
        "back": ["嗯。", "好的。", "对。"],
        "customer": [
            "我这个月的话费怎么多了五十块？", "宽带从昨天晚上就断了，到现在都没好。", "我的快递显示签收了，可我没收到。",
            "你们能不能快点处理，我等着用。", "我的手机号是138 1234 5678，你查一下。", "身份证号是110105194912310021。",
            "扣款的卡号是6222 0212 3456 7890 123。", "上次打电话说三天解决，结果一点消息都没有。",
            "那我再考虑一下吧。", "行，就办这个吧。", "我不太明白你的意思。", "家里老人等着看电视呢，太着急了。",
        ],
    },
    "en": {
        "facts": [
            "The charge was taken on the third of this month.", "Your plan includes thirty gigabytes of data a month.",
            "The refund goes back to your card within three to five working days.", "The parcel is on its way to you now.",
            "I can see a roaming charge from last month.", "Your case is logged and I'll text you the number.",
            "An engineer can visit tomorrow morning.", "This service costs ten pounds a month, and I need your consent first.",
        ],
        "open": ["How can I help you today?", "When did the extra charge start?", "What happened when you restarted it?",
                 "Which payment looks wrong to you?", "Why do you think the bill is higher?"],
        "closed": ["Are you the account holder?", "Did it start this month?", "Can you receive a text right now?",
                   "Is the light on the router still on?", "Does that make sense?"],
        "empathy": ["I'm sorry to keep you waiting.", "I understand, that would worry anyone.",
                    "You're right to ask about that.", "Don't worry, this is something we can fix.",
                    "I'll take care of this myself from here.", "So you're saying it stopped after the storm."],
        "warm": ["That's wonderful, it's working again!", "I'm so glad we sorted it!", "Wow, thank you for your patience!"],
        "small_talk": ["I hope you're having a good weekend.", "Lovely weather today, isn't it.", "Sounds like the kids are busy there."],
        "banned": ["That's not our department.", "I don't know.", "That's just how the system works."],
        "back": ["Okay.", "Right.", "Mm-hm."],
        "customer": [
            "Why is my bill fifty pounds higher this month?", "My broadband has been down since last night.",
            "The parcel says delivered but I never got it.", "Can you just fix it today, I need it.",
            "My number is 0791 234 5678 and my mobile is 138 1234 5678.", "The card number is 4929 1234 5678 9012.",
            "Last time you said three days and nothing happened.", "I'll think about it.", "Fine, go ahead with that one.",
            "I don't really understand what you mean.",
        ],
    },
}

_PACE = {"zh": 280.0, "en": 170.0}  # the reference pace; a style moves it


@dataclass(frozen=True)
class _Voice:
    """How an agent of a style talks, as numbers the generator draws from."""

    pace: float  # times the reference pace
    agent_runs: tuple[int, int]  # segments in a row per agent turn
    ask: float  # chance an agent segment is a question
    warm: float  # chance an agent segment is empathy / warmth / small talk
    interrupt: float  # chance an agent turn starts over the customer
    banned: float  # chance an agent segment is a banned phrase


def _voice(style: str | None) -> _Voice:
    if style is None:
        return _Voice(1.0, (1, 2), 0.2, 0.15, 0.03, 0.02)
    poles = STYLE_POLES[style]
    assertive = poles["assertiveness"] > 0
    responsive = poles["responsiveness"] > 0
    return _Voice(
        pace=1.25 if assertive else 0.8,
        agent_runs=(2, 4) if assertive else (1, 1),
        ask=0.05 if assertive else 0.45,
        warm=0.5 if responsive else 0.0,
        interrupt=0.25 if assertive else 0.0,
        banned=0.03 if assertive else 0.0,
    )


def _units(text: str, lang: str) -> int:
    return len([c for c in text if "\u4e00" <= c <= "\u9fff"]) if lang == "zh" else len(text.split())


def sample_segments(seed: object = None, minutes: float = 1.0, segments: int | None = None, lang: str = "zh",
                    style: str | None = None) -> list[dict]:
    """Segments ``{"speaker", "start", "end", "text"}`` of a made-up call of about ``minutes``."""
    rng = random.Random(seed if seed is None or isinstance(seed, (int, float, str, bytes)) else repr(seed))
    lines, voice = _LINES[lang], _voice(style)
    count = segments or max(4, round(minutes * 60 / 5))
    slot = minutes * 60 / count  # seconds per segment, gap included, on average
    out: list[dict] = []
    t, speaker, left_in_turn = 0.0, "agent", rng.randint(*voice.agent_runs)
    for i in range(count):
        if speaker == "agent":
            r = rng.random()
            if i == 0:
                pool = lines["open"]
            elif r < voice.banned:
                pool = lines["banned"]
            elif r < voice.banned + voice.ask:
                pool = lines["open"] if rng.random() < 0.4 else lines["closed"]
            elif r < voice.banned + voice.ask + voice.warm:
                pool = rng.choice([lines["empathy"], lines["empathy"], lines["warm"], lines["small_talk"]])
            else:
                pool = lines["facts"]
            pace = _PACE[lang] * voice.pace * rng.uniform(0.9, 1.1)
        else:
            pool = lines["customer"]
            pace = _PACE[lang] * rng.uniform(0.85, 1.15)
        target = slot * rng.uniform(0.6, 1.4) * (1.4 if speaker == "agent" and voice.agent_runs[0] > 1 else 1.0)
        text = rng.choice(pool)
        while _units(text, lang) * 60 / pace < target * 0.8 and pool is not lines["back"]:
            text += ("" if lang == "zh" else " ") + rng.choice(pool if pool is lines["customer"] else lines["facts"])
        duration = max(0.6, _units(text, lang) * 60 / pace)
        gap = rng.uniform(0.2, 1.2) if rng.random() > 0.04 else rng.uniform(3.0, 6.0)
        start = t + gap
        if speaker == "agent" and out and out[-1]["speaker"] == "customer" and rng.random() < voice.interrupt:
            start = max(out[-1]["start"] + 0.2, out[-1]["end"] - 1.5)  # over the customer's last words
        out.append({"speaker": speaker, "start": round(start, 2), "end": round(start + duration, 2), "text": text})
        t = max(t, start + duration)
        left_in_turn -= 1
        if left_in_turn <= 0:
            speaker = "customer" if speaker == "agent" else "agent"
            left_in_turn = rng.randint(*voice.agent_runs) if speaker == "agent" else rng.randint(1, 2)
    return out


def _clock(seconds: float, sep: str = ".") -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def render(segs: list[dict], format: str = "json", lang: str = "zh", timed: bool = True) -> str:
    """Segments written out as a centre's system would export them."""
    agent, customer = ("坐席", "客户") if lang == "zh" else ("Agent", "Customer")
    colon = "：" if lang == "zh" else ": "
    label = {"agent": agent, "customer": customer}
    if format == "json":
        return json.dumps({"segments": [dict(s, start=s["start"] if timed else None, end=s["end"] if timed else None)
                                        for s in segs]}, ensure_ascii=False)
    if format == "whisperx":
        return json.dumps({"segments": [{"start": s["start"], "end": s["end"], "text": s["text"],
                                         "speaker": "SPEAKER_00" if s["speaker"] == "agent" else "SPEAKER_01"}
                                        for s in segs]}, ensure_ascii=False)
    if format == "sentences":
        return json.dumps({"sentences": [{"beginTime": round(s["start"] * 1000), "endTime": round(s["end"] * 1000),
                                          "channelId": 0 if s["speaker"] == "agent" else 1, "text": s["text"]}
                                         for s in segs]}, ensure_ascii=False)
    if format == "vtt":
        cues = [f"{_clock(s['start'])} --> {_clock(s['end'])}\n<v {label[s['speaker']]}>{s['text']}</v>" for s in segs]
        return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"
    if format == "srt":
        cues = [f"{n}\n{_clock(s['start'], ',')} --> {_clock(s['end'], ',')}\n{label[s['speaker']]}{colon}{s['text']}"
                for n, s in enumerate(segs, start=1)]
        return "\n\n".join(cues) + "\n"
    if format == "text":
        def stamp(s: dict) -> str:
            if not timed:
                return ""
            m, sec = divmod(int(s["start"]), 60)
            return f"[{m // 60:02d}:{m % 60:02d}:{sec:02d}] " if m >= 60 else f"[{m:02d}:{sec:02d}] "
        ordered = sorted(segs, key=lambda s: s["start"])
        return "\n".join(f"{stamp(s)}{label[s['speaker']]}{colon}{s['text']}" for s in ordered) + "\n"
    raise ValueError(f"unknown format {format!r}")


def sample_call(seed: object = None, minutes: float = 1.0, segments: int | None = None, lang: str = "zh",
                style: str | None = None, format: str = "json", timed: bool = True) -> str:
    """A whole made-up transcript; for ``whisperx`` and ``sentences`` the agent is ``AGENT_LABEL[format]``."""
    return render(sample_segments(seed, minutes, segments, lang, style), format, lang, timed)
