"""Call transcripts for the calls tests (web, API, import, browser): each format the core
reads, one holding a phone, an ID and a card number, and JSON calls built to a pattern."""

from __future__ import annotations

import json

PHONE, ID_NUMBER, CARD = "13812345678", "110101199003071234", "6222021234567890123"
# What must never be stored or shown: each number whole, and its leading digits.
RAW_DIGITS = (PHONE, ID_NUMBER, CARD, PHONE[:7], ID_NUMBER[:14], CARD[:15])

PLAIN_ZH = f"""[00:00] 坐席：您好，很高兴为您服务，请问有什么可以帮您？
[00:04] 客户：我的手机号是{PHONE}，上个月话费多扣了五十块，你们怎么回事！
[00:12] 坐席：非常抱歉给您带来不便，我理解您着急的心情。
[00:18] 客户：我身份证号是{ID_NUMBER}，银行卡是{CARD}。
[00:27] 坐席：这个不归我们管，您得去问银行。
[00:31] 客户：那我到底该找谁？
[00:35] 坐席：请问您是哪天发现扣费的？
[00:39] 客户：就是昨天。
[00:42] 坐席：好的，我帮您查一下扣费明细，稍后短信发给您。
"""

VTT_ZH = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v 坐席>您好，请问有什么可以帮您？

00:00:04.500 --> 00:00:11.000
<v 客户>我的宽带从早上开始就断了，一直连不上。

00:00:12.000 --> 00:00:17.000
<v 坐席>让您久等了，非常抱歉，我马上帮您查一下线路。

00:00:17.500 --> 00:00:20.000
<v 客户>好的，快点吧。

00:00:24.000 --> 00:00:31.000
<v 坐席>您家里的光猫指示灯是什么颜色的？

00:00:31.500 --> 00:00:34.000
<v 客户>红色的在闪。
"""

SRT_EN = """1
00:00:00,000 --> 00:00:03,000
Agent: Thanks for calling, how can I help?

2
00:00:03,500 --> 00:00:08,000
Customer: My card was charged twice this month.

3
00:00:08,500 --> 00:00:13,000
Agent: I'm sorry about that, I understand how annoying it is.

4
00:00:13,500 --> 00:00:15,000
Customer: Can you fix it?

5
00:00:15,500 --> 00:00:20,000
Agent: Which date did the second charge appear?
"""

WHISPERX = json.dumps({"segments": [
    {"start": 0.0, "end": 3.0, "text": "您好，请问有什么可以帮您？", "speaker": "SPEAKER_00"},
    {"start": 3.5, "end": 8.0, "text": "我想问一下套餐怎么改。", "speaker": "SPEAKER_01"},
    {"start": 8.5, "end": 12.0, "text": "好的，您想改成哪一档呢？", "speaker": "SPEAKER_00"},
]}, ensure_ascii=False)


def zhiji_json(pattern: str = "telling", seconds: int = 180, seed: int = 0) -> str:
    """A timed Zhiji-JSON call. telling: the agent talks most of the time, fast, in long
    runs and tells; asking: short agent turns, questions, empathy, the customer talks."""
    segments, t = [], 0.0
    for n in range(seconds // 20):
        if pattern == "telling":
            agent = ("您这个情况我直接跟您说清楚，套餐费用每月一百二十八元，流量不限速，"
                     "合约期两年，办理后次月生效，您按我说的操作就行，这个很简单。")
            segments.append({"speaker": "agent", "start": t, "end": t + 16.0, "text": agent + f"第{seed}{n}点。"})
            segments.append({"speaker": "customer", "start": t + 16.2, "end": t + 19.5, "text": "嗯，好的。"})
            t += 20.0
        else:
            segments.append({"speaker": "agent", "start": t, "end": t + 4.0,
                             "text": "非常理解您的心情，请问您最担心的是什么呢？"})
            segments.append({"speaker": "customer", "start": t + 5.0, "end": t + 17.0,
                             "text": f"我就是担心费用会变高，上次改了以后多扣了钱，我想先弄清楚再说，第{seed}{n}次了。"})
            segments.append({"speaker": "agent", "start": t + 18.0, "end": t + 19.5, "text": "明白，辛苦您了！"})
            t += 20.0
    return json.dumps({"segments": segments}, ensure_ascii=False)


def add_call(app, agent_id: int, team_id: int, transcript: str, called_at=None) -> int:
    """Store one call of a member straight through the core and storage (as an upload would)."""
    from datetime import datetime, timezone

    from assessment import storage
    from assessment.call_intake import analyse_upload

    analysed = analyse_upload(transcript, app.extensions["call_lexicon"])
    db = storage.connect(app.config["DATABASE"])
    try:
        return storage.save_call(db, analysed.record(agent_id=agent_id, team_id=team_id,
                                                     called_at=called_at or datetime.now(timezone.utc),
                                                     tz=app.extensions["timezone"]))
    finally:
        db.close()
