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

# Each call is about one topic; what is said in any call is under "any".
_LINES = {
    "zh": {
        "billing": {
            "facts": ["系统显示这笔费用是本月三号扣的。", "账单里第二项是增值业务的费用。", "这项增值业务是上个月十五号开通的。",
                      "我这边看到您上个月有一笔国际漫游费。", "多扣的五十元会在三个工作日内退回原账户。",
                      "您的套餐每月包含三十G流量，超出部分按量计费。"],
            "open": ["您说的费用是从什么时候开始的？", "哪一笔扣费您觉得不对？", "您平时主要是怎么用流量的？"],
            "closed": ["您是机主本人吗？", "是不是这个月才开始多扣的？", "这项业务您之前办理过吗？", "退款到原账户可以吗？"],
            "customer": ["我这个月的话费怎么多了五十块？", "我从来没开过这个业务。", "上个月也是这样，你们到底怎么回事？",
                         "那钱什么时候能退回来？", "我就想知道这钱是怎么扣的。"],
        },
        "broadband": {
            "facts": ["系统显示您家这条线路有故障。", "维修师傅明天上午九点到十二点上门。", "工单已经登记好了，单号稍后发短信给您。",
                      "光猫重启以后大概需要两分钟才能连上。", "您所在的小区今天有线路检修。"],
            "open": ["您是从什么时候开始上不了网的？", "您那边光猫上的灯是什么颜色？", "断网之前您做过哪些操作？"],
            "closed": ["路由器的灯还亮着吗？", "您重启过光猫了吗？", "是所有设备都连不上吗？", "明天上午家里有人吗？"],
            "customer": ["宽带从昨天晚上就断了，到现在都没好。", "孩子明天要上网课，这可怎么办。", "光猫我已经重启过两次了。",
                         "上次打电话说三天解决，结果一点消息都没有。", "你们能不能快点处理，我等着用。"],
        },
        "parcel": {
            "facts": ["这个订单目前在运输途中。", "包裹今天下午从分拣中心发出。", "快递员显示是放在了小区的快递柜。",
                      "取件码我稍后用短信发给您。", "如果今天找不到，我们会给您补发。"],
            "open": ["您是在哪里看到显示签收的？", "您方便的收货时间是什么时候？", "包裹里具体是什么东西？"],
            "closed": ["收货地址是小区东门这个吗？", "快递柜那边您去看过了吗？", "补发到同一个地址可以吗？"],
            "customer": ["我的快递显示签收了，可我没收到。", "我家楼下快递柜都找遍了。", "这是给我妈买的生日礼物，周末就要用。",
                         "你们这个物流也太慢了。"],
        },
        "any": {
            "greeting": ["您好，很高兴为您服务，请问有什么可以帮您？", "您好，这里是客服中心，请问您遇到了什么问题？"],
            "closing": ["请问还有其他可以帮您的吗？", "感谢您的耐心，祝您生活愉快，再见。"],
            "empathy": ["非常抱歉，让您久等了。", "我理解您的心情，换谁都会着急。", "您说得对，这个确实要查清楚。",
                        "您放心，这个问题是可以解决的。", "给您添麻烦了，我来负责处理。", "您是说昨天开始就这样了，对吗？"],
            "warm": ["太好了！问题解决了。", "能帮上您我也很开心！", "哇，您记得真清楚！", "谢谢您这么耐心！"],
            "small_talk": ["最近降温了，您出门注意保暖。", "周末还要处理这个，真是辛苦您了。", "听着您那边孩子挺热闹的。"],
            "banned": ["这个不归我们管。", "我也不知道呢。", "系统就是这样的。"],
            "customer": ["那我再考虑一下吧。", "行，就办这个吧。", "我不太明白你的意思。", "好的，谢谢你。", "嗯，对。"],
            "personal": ["我的手机号是138 1234 5678，你查一下。", "身份证号是110105194912310021。", "扣款的卡号是6222 0212 3456 7890 123。"],
        },
    },
    "en": {
        "billing": {
            "facts": ["The charge was taken on the third of this month.", "The second line on your bill is an add-on service.",
                      "That add-on was switched on on the fifteenth of last month.", "I can see a roaming charge from last month.",
                      "The extra fifty pounds will go back to your card within three working days."],
            "open": ["When did the extra charge start?", "Which payment looks wrong to you?", "How do you usually use your data?"],
            "closed": ["Are you the account holder?", "Did it start this month?", "Have you used this service before?",
                       "Is a refund to your card okay?"],
            "customer": ["Why is my bill fifty pounds higher this month?", "I never signed up for that.",
                         "Same thing happened last month, what is going on?", "When will I get the money back?"],
        },
        "broadband": {
            "facts": ["I can see a fault on your line.", "An engineer can come tomorrow between nine and twelve.",
                      "Your case is logged and I'll text you the number.",
                      "After a restart the router needs about two minutes to connect.",
                      "There's planned work on the lines in your area today."],
            "open": ["When did the connection drop?", "What colour is the light on the router?",
                     "What happened just before it stopped?"],
            "closed": ["Is the light on the router still on?", "Have you restarted the router?", "Is every device offline?",
                       "Will someone be home tomorrow morning?"],
            "customer": ["My broadband has been down since last night.", "My son has online classes tomorrow.",
                         "I've restarted the router twice already.", "Last time you said three days and nothing happened."],
        },
        "parcel": {
            "facts": ["The parcel is on its way to you now.", "It left the depot this afternoon.",
                      "The driver marked it as left in your parcel locker.", "I'll text you the locker code.",
                      "If it doesn't turn up today, we'll send a new one."],
            "open": ["Where did you see it marked as delivered?", "When is a good time for delivery?", "What was in the parcel?"],
            "closed": ["Is the address still the one on East Street?", "Have you checked the parcel locker?",
                       "Can we send the new one to the same address?"],
            "customer": ["The parcel says delivered but I never got it.", "I've checked every locker downstairs.",
                         "It's my mum's birthday present, I need it by Saturday."],
        },
        "any": {
            "greeting": ["Good morning, thanks for calling. How can I help you today?",
                         "Hello, you're through to customer care. What can I do for you?"],
            "closing": ["Is there anything else I can help with?", "Thanks for your patience, have a good day."],
            "empathy": ["I'm sorry to keep you waiting.", "I understand, that would worry anyone.",
                        "You're right to ask about that.", "Don't worry, this is something we can fix.",
                        "I'll take care of this myself from here.", "So you're saying it started yesterday."],
            "warm": ["That's wonderful, it's working again!", "I'm so glad we sorted it!", "Wow, thank you for your patience!"],
            "small_talk": ["I hope you're having a good weekend.", "Lovely weather today, isn't it.",
                           "Sounds like the kids are busy there."],
            "banned": ["That's not our department.", "I don't know.", "That's just how the system works."],
            "customer": ["I'll think about it.", "Fine, go ahead with that one.", "I don't really understand what you mean.",
                         "Okay, thanks."],
            "personal": ["My mobile is 138 1234 5678.", "The card number is 4929 1234 5678 9012.",
                         "My ID number is 11010519491231002X."],
        },
    },
}
TOPICS = ("billing", "broadband", "parcel")
MAX_PERSONAL = 2  # numbers a caller reads out in one call

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


def _said(rng: random.Random, first: str, fill: list[str], seconds: float, pace: float, lang: str,
          first_last: bool = False) -> str:
    """One line, topped up with different lines of ``fill`` until it lasts about ``seconds``
    at ``pace``; a question stays at the end (``first_last``)."""
    parts, left = [first], [f for f in fill if f != first]
    rng.shuffle(left)
    while left and _units("".join(parts), lang) * 60 / pace < seconds * 0.8:
        parts.insert(0 if first_last else len(parts), left.pop())
    return ("" if lang == "zh" else " ").join(parts)


def sample_segments(seed: object = None, minutes: float = 1.0, segments: int | None = None, lang: str = "zh",
                    style: str | None = None, topic: str | None = None) -> list[dict]:
    """Segments ``{"speaker", "start", "end", "text"}`` of a made-up call of about ``minutes``."""
    rng = random.Random(seed if seed is None or isinstance(seed, (int, float, str, bytes)) else repr(seed))
    lines, voice = _LINES[lang], _voice(style)
    about, any_ = lines[topic or rng.choice(TOPICS)], lines["any"]
    count = segments or max(4, round(minutes * 60 / 5))
    slot = minutes * 60 / count  # seconds per segment, gap included, on average
    out: list[dict] = []
    personal = 0
    t, speaker, left_in_turn = 0.0, "agent", 1
    for i in range(count):
        seconds = slot * rng.uniform(0.6, 1.4) * (1.4 if speaker == "agent" and voice.agent_runs[0] > 1 else 1.0)
        if speaker == "agent":
            pace = _PACE[lang] * voice.pace * rng.uniform(0.9, 1.1)
            r = rng.random()
            if i == 0:
                text = _said(rng, rng.choice(any_["greeting"]), [], seconds, pace, lang)
            elif i == count - 1:
                text = _said(rng, rng.choice(any_["closing"]), about["facts"], seconds, pace, lang, first_last=True)
            elif r < voice.banned:
                text = _said(rng, rng.choice(any_["banned"]), about["facts"], seconds, pace, lang)
            elif r < voice.banned + voice.ask:
                question = rng.choice(about["open"] if rng.random() < 0.4 else about["closed"])
                text = _said(rng, question, about["facts"], seconds, pace, lang, first_last=True)
            elif r < voice.banned + voice.ask + voice.warm:
                kind = rng.choice(["empathy", "empathy", "warm", "small_talk"])
                text = _said(rng, rng.choice(any_[kind]), about["facts"], seconds, pace, lang)
            else:
                text = _said(rng, rng.choice(about["facts"]), about["facts"], seconds, pace, lang)
        else:
            pace = _PACE[lang] * rng.uniform(0.85, 1.15)
            if personal < MAX_PERSONAL and rng.random() < 0.12:
                personal += 1
                first = rng.choice(any_["personal"])
            else:
                first = rng.choice(about["customer"] if rng.random() < 0.75 else any_["customer"])
            text = _said(rng, first, about["customer"], seconds, pace, lang)
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
        if i == count - 2:
            speaker = "agent"  # the agent closes the call
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
                style: str | None = None, format: str = "json", timed: bool = True, topic: str | None = None) -> str:
    """A whole made-up transcript; for ``whisperx`` and ``sentences`` the agent is ``AGENT_LABEL[format]``.

    ``topic`` is one of ``TOPICS`` (billing, broadband, parcel), drawn by the seed when None."""
    return render(sample_segments(seed, minutes, segments, lang, style, topic), format, lang, timed)
