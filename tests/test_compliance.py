"""The content check: every line the tool tells an agent to say passes what a QC listener marks down."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessment.caller import load_caller_content
from assessment.compliance import COMPLIANCE_FILE, instead_lines, load_compliance, said_lines
from assessment.questionnaire import QuestionnaireError, Text

ROOT = Path(__file__).resolve().parent.parent / "questionnaires"
CALLER_DIR = ROOT / "caller"
COMPLIANCE = load_compliance(CALLER_DIR / COMPLIANCE_FILE)
CONTENT = load_caller_content(CALLER_DIR)
LINES = said_lines(ROOT, CONTENT) + instead_lines(COMPLIANCE)

# Tip lines of communication-style.toml that break a rule here and are rewritten on the
# `instruments` branch (questionnaire version 3). strict: once that branch is merged these
# pass, the test fails as XPASS, and this set must be emptied, so it cannot go stale.

def _param(line):
    return pytest.param(line, id=str(line))


@pytest.mark.parametrize("line", [_param(line) for line in LINES])
def test_every_line_said_on_a_call_passes_qc(line):
    findings = COMPLIANCE.check(line.text)
    assert not findings, f"{line}: “{line.text.zh}” / “{line.text.en}”: " + "; ".join(map(str, findings))


def test_the_check_reads_every_kind_of_line_said_on_a_call():
    kinds = {(line.file, line.id.split(":")[-1].strip().split("[")[0].split(" ")[0]) for line in LINES}
    sources = {line.file for line in LINES}
    assert {"communication-style.toml", "service-abilities.toml", "caller/cues.toml", "caller/phrases.toml",
            "caller/scenarios.toml", "caller/banned.toml"} <= sources
    assert ("communication-style.toml", "say") in kinds and ("communication-style.toml", "instead") in kinds
    assert sum(line.file == "caller/scenarios.toml" for line in LINES) == len(CONTENT.scenarios)
    assert sum(line.id.startswith("empathy ") for line in LINES) == len(CONTENT.empathy)
    assert sum(line.id.startswith("replacement ") for line in LINES) == len(CONTENT.replacements)
    # Anchor 1 describes the mistakes and is not a line to say; 3 and 5 are.
    anchors = [line.id for line in LINES if line.file == "service-abilities.toml"]
    assert anchors and all(not a.endswith("anchor 1") for a in anchors)
    assert any(a.endswith("anchor 5") for a in anchors) and any(a.endswith("anchor 3") for a in anchors)


# The empathy techniques the domain brief lists (docs: "Lines said on a call", "Empathy
# techniques"), each needing at least one line in the phrase bank. "validate" is 您说得对.
DOMAIN_TECHNIQUES = ("acknowledge", "validate", "apology", "ownership", "intent", "paraphrase", "nods",
                     "open_question")


@pytest.mark.parametrize("technique", DOMAIN_TECHNIQUES)
def test_every_empathy_technique_the_domain_lists_has_lines(technique):
    assert technique in CONTENT.techniques, f"no [techniques.{technique}] in phrases.toml"
    assert sum(e.technique == technique for e in CONTENT.empathy) >= 2


def test_validating_lines_agree_with_the_caller():
    lines = [e.say.zh for e in CONTENT.empathy if e.technique == "validate"]
    assert any("您说得对" in zh for zh in lines)


# --- the rules, line by line -----------------------------------------------------

CASES = [
    # (en, zh, rules expected to fire; "banned" stands for any banned phrase)
    ("Let me check that for you.", "我帮您查一下。", set()),
    ("Ha ha, that's funny!", "哈哈，太有意思了！", {"laughter"}),
    ("I don't know.", "我不知道。", {"banned"}),
    ("That's not our department.", "这不归我们管。", {"banned"}),
    ("That one can't be done.", "这个办不到。", {"banned"}),
    ("It won't affect your credit.", "不会影响您的信用。", {"promise-before-checking"}),
    ("I'll check whether it affects your credit.", "我查一下会不会影响您的信用。", set()),
    ("I promise it arrives tomorrow.", "我保证明天到。", {"promise-before-checking"}),
    ("I can't promise that yet; let me check.", "这个我不敢保证，先帮您查。", set()),
    ("In most cases, yes.", "一般情况下可以。", {"hedge"}),
    ("Can we settle which plan by the end of this call?", "这通电话里定下来吧？", {"push-to-decide"}),
    ("Take your time; the comparison is on its way by text.", "您慢慢考虑，对比表已经短信发给您了。", set()),
    ("This fee can't be waived.", "这笔费用免不了。", {"blunt-refusal"}),
    ("This fee can't be waived this time; I can split it over three bills.", "这笔费用暂时无法减免，可以帮您分三期。", set()),
    ("I'll send you my notes.", "我把处理记录发给您。", {"internal-notes"}),
    ("Great, I'll set it up now.", "好的，我这就给您开通。", {"consent-before-opening"}),
    ("It costs 10 yuan a month. Shall I set it up?", "月费10元，需要给您开通吗？", set()),
    ("It costs 10 yuan a month; I'll set it up now.", "月费10元，我这就给您开通。", {"consent-before-opening"}),
    ("Shall I set it up for you?", "要不要给您开通？", {"consent-before-opening"}),
    ("I'll check how it was opened.", "我帮您查一下开通记录。", set()),
    ("I'll email you the details.", "详情我发到您邮箱。", {"records-by-email"}),
    ("I'll text you the details.", "详情我短信发给您。", set()),
    ("I'll send you our internal notes.", "我把内部备注发给您。", {"internal-notes"}),
    ("Let me read back your ID number in full.", "我把您的身份证号完整复述一遍。", {"full-number-readback"}),
    ("Let me confirm the last four digits of your card number.", "我核对一下卡号后四位。", set()),
    ("I'll transfer you and stay on the line until they answer.", "我帮您转接，一直在线陪您等。", {"stay-through-transfer"}),
    ("I'll transfer you and brief my colleague first.", "我帮您转接，先把情况跟同事说清楚。", set()),
    ("I've updated the address on your other account as well.", "您另一个账户的地址我也一起改好了。",
     {"unasked-change"}),
    ("Shall I update the address on your other account as well?", "另一个账户的地址要不要一起改？", set()),
]


@pytest.mark.parametrize("en, zh, expected", CASES, ids=[c[0] for c in CASES])
def test_rules_fire_on_what_qc_marks_down_and_only_there(en, zh, expected):
    fired = {f.rule.split(":")[0] for f in COMPLIANCE.check(Text(en, zh))}
    assert fired == expected


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_language_is_checked_on_its_own(lang):
    text = {"en": "Let me check.", "zh": "我查一下。"}
    text[lang] = "haha" if lang == "en" else "哈哈"
    findings = COMPLIANCE.check(text)
    assert [(f.rule, f.lang) for f in findings] == [("laughter", lang)]


def test_english_matches_whole_words_and_ignores_case_and_curly_quotes():
    assert COMPLIANCE.check(Text("I DON’T KNOW.", "我查一下。"))
    assert not COMPLIANCE.check(Text("The email-free way: by text.", "短信。"))[1:]  # only one finding
    assert not COMPLIANCE.check(Text("Lolly is here.", "好的。"))  # "lol" inside a word is not laughter


def test_a_finding_says_what_is_missing_and_why():
    (finding,) = [f for f in COMPLIANCE.check(Text("Done, I'll set it up.", "好的。"))]
    assert finding.rule == "consent-before-opening" and finding.lang == "en"
    assert "the charge" in finding.problem and "a request to confirm" in finding.problem
    assert "资费" in finding.reason.zh
    (banned,) = COMPLIANCE.check(Text("OK.", "我不知道。"))
    assert banned.rule == "banned:dont-know" and "我帮您查一下" in banned.problem


def test_a_centre_can_ban_more_wording_by_adding_to_the_files(tmp_path):
    for name in ("compliance.toml", "banned.toml"):
        shutil.copy(CALLER_DIR / name, tmp_path / name)
    with open(tmp_path / "banned.toml", "a", encoding="utf-8") as f:
        f.write('\n[[banned]]\nid = "hurry-up"\nsaid = { zh = ["快点说"], en = ["hurry up"] }\n'
                'instead = { zh = "您慢慢说，我听着。", en = "Take your time, I\'m listening." }\n')
    with open(tmp_path / "compliance.toml", "a", encoding="utf-8") as f:
        f.write('\n[[rules]]\nid = "wechat"\nreason = { en = "Personal chat apps are off limits.", zh = "不得使用私人社交软件。" }\n'
                'said = { zh = ["加我微信"], en = ["add me on WeChat"] }\n')
    rules = load_compliance(tmp_path / "compliance.toml")
    assert {f.rule for f in rules.check(Text("Hurry up and add me on WeChat.", "快点说。"))} == {"banned:hurry-up", "wechat"}


@pytest.mark.parametrize("addition, message", [
    ('[[rules]]\nid = "laughter"\nreason = { en = "x", zh = "x" }\nsaid = { zh = ["x"], en = [] }\n',
     "compliance.toml: rule 'laughter': duplicate id"),
    ('[[rules]]\nid = "x"\nsaid = { zh = ["x"], en = [] }\n', "compliance.toml: rule 'x': reason: missing text"),
    ('[[rules]]\nid = "x"\nreason = { en = "x", zh = "x" }\nsaid = { zh = [], en = [] }\n',
     "compliance.toml: rule 'x': said: no wording in either language"),
    ('[[rules]]\nid = "x"\nreason = { en = "x", zh = "x" }\nsaid = { zh = ["x"], fr = ["x"] }\n',
     "compliance.toml: rule 'x': said: unknown language 'fr'"),
    ('[[rules]]\nid = "x"\nreason = { en = "x", zh = "x" }\nsaid = { zh = ["x"] }\nunless = 1\n',
     "compliance.toml: rule 'x': unknown key 'unless'"),
    ('[[rules]]\nid = "x"\nreason = { en = "x", zh = "x" }\nsaid = { zh = [1] }\n',
     "compliance.toml: rule 'x': said: 'zh' must be a list of non-empty wordings"),
])
def test_a_broken_rule_stops_loading_naming_file_rule_and_problem(tmp_path, addition, message):
    for name in ("compliance.toml", "banned.toml"):
        shutil.copy(CALLER_DIR / name, tmp_path / name)
    with open(tmp_path / "compliance.toml", "a", encoding="utf-8") as f:
        f.write("\n" + addition)
    with pytest.raises(QuestionnaireError) as exc:
        load_compliance(tmp_path / "compliance.toml")
    assert any(p.startswith(message) for p in exc.value.problems), exc.value.problems


def test_a_missing_or_broken_banned_list_is_named(tmp_path):
    shutil.copy(CALLER_DIR / "compliance.toml", tmp_path / "compliance.toml")
    with pytest.raises(QuestionnaireError) as exc:
        load_compliance(tmp_path / "compliance.toml")
    assert any("banned.toml" in p for p in exc.value.problems)
    (tmp_path / "banned.toml").write_text('[[banned]]\nid = "x"\nsaid = { zh = ["x"] }\n', encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc:
        load_compliance(tmp_path / "compliance.toml")
    assert "banned.toml: banned 'x': instead: missing text (expected a table with 'en' and 'zh')" in exc.value.problems
