"""Phrase helper search and the pre-send phrase check: prints one JSON object.

    uv run python -m benchmarks.phrases

Search: the shipped phrase library (data/phrases, both languages) grown to --phrases entries by
seeded variants that name a product and a ticket topic (ids and texts unique; scenario, tags,
teams and categories kept). The pinyin keys are computed first, as the store keeps them; then
`index_build_ms` is one SearchIndex built from the docs (static score: use count boost plus a
small fit bonus for a refund ticket in Chinese). Over that one index, a fixed list of queries
(Chinese words, full pinyin, initials, English words and stems, typos, two-word queries) is
typed a character at a time as the phrase helper does: every keystroke is one
`search(prefix, limit=50)`, and the box is cleared (`search("")`) between queries. Each call
is timed; the figures are over the keystrokes (the clears are reported apart). The rapidfuzz
import is done before timing.

Lint: the shipped banned-phrase rules plus seeded generated ones, --rules in all (literal
negative phrasings naming products and topics, some English, some with `unless`, ~15% with a
pattern, ~30% matching traditional variants); `rules_compile_ms` is one RuleSet built from
them. The draft (--draft-chars) is agent reply and note text in Chinese with some English and a
handful of banned phrases written full-width, spaced or in traditional characters; each timed
`RuleSet.check` runs on the draft with its sentences rotated by one more place (one untimed
warm-up loads OpenCC). `findings` counts the findings in the unrotated draft.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from dataclasses import replace
from typing import Any

from agentdesk.domain.phrase_check import Action, BannedRule, RuleSet, normalize_phrase
from agentdesk.domain.phrases import Phrase
from agentdesk.domain.text_search import SearchDoc, SearchIndex, pinyin_keys, usage_boost
from agentdesk.io.phrase_files import SHIPPED_PHRASES, load_phrases, load_rules
from benchmarks.queue import p95

SEED = 7
LINT_RUNS = 300
FIT_CATEGORY = "refund"  # the open ticket's category and the agent's language: a small bonus
FIT_LANGUAGE = "zh-CN"

# (Chinese name, English name, model): variants name one of these and a ticket topic
PRODUCTS = (
    ("扫地机器人", "Robot Vacuum", "X5"),
    ("空气净化器", "Air Purifier", "A3"),
    ("洗地机", "Wet-Dry Vacuum", "F9"),
    ("净水器", "Water Purifier", "W2"),
    ("智能门锁", "Smart Lock", "L9"),
    ("无线吸尘器", "Cordless Vacuum", "V8"),
    ("洗碗机", "Dishwasher", "D7"),
    ("电饭煲", "Rice Cooker", "R3"),
    ("空调", "Air Conditioner", "K2"),
    ("加湿器", "Humidifier", "H6"),
    ("智能音箱", "Smart Speaker", "S1"),
    ("电动牙刷", "Electric Toothbrush", "T4"),
)
TOPICS = (
    ("退款到账", "refund timing"),
    ("物流延误", "delivery delay"),
    ("发票开具", "invoice request"),
    ("配件缺失", "missing parts"),
    ("无法联网", "Wi-Fi pairing"),
    ("滤网更换", "filter replacement"),
    ("上门维修", "on-site repair"),
    ("换货申请", "exchange request"),
    ("保修期查询", "warranty check"),
    ("价格保护", "price protection"),
    ("安装预约", "installation booking"),
    ("以旧换新", "trade-in"),
    ("赠品未到", "missing gift"),
    ("充电故障", "charging fault"),
    ("噪音过大", "excessive noise"),
)

QUERIES = (
    # Chinese words (an IME hands over one character at a time here)
    "退款", "抱歉", "稍等", "转接", "发票", "投诉", "物流", "维修", "换货", "回访",
    "核实身份", "升级", "不好意思", "感谢",
    # full pinyin
    "tuikuan", "baoqian", "shaodeng", "zhuanjie", "fapiao", "weixiu",
    # initials
    "dq", "tk", "sd", "zj", "fp", "hf",
    # English words and stems
    "refund", "sorry", "hold on", "transfer", "escalat", "apolog", "warranty", "callback",
    "thank you", "delivery",
    # typos
    "refnd", "trasnfer", "aplogize", "warrenty",
    # two words
    "退款 到账", "refund delay", "X5 退款", "robot vacuum refund", "tuikuan daozhang",
)  # fmt: skip


# -- search ---------------------------------------------------------------------------------------


def grow_library(shipped: list[Phrase], size: int, draw: random.Random) -> list[Phrase]:
    """The shipped phrases, then variants of each in turn naming a product and a topic."""
    if size <= len(shipped):
        return shipped[:size]
    combos = [(p, t) for p in range(len(PRODUCTS)) for t in range(len(TOPICS))]
    rounds = -(-(size - len(shipped)) // len(shipped))
    if rounds > len(combos):
        raise SystemExit(f"--phrases: at most {len(shipped) * (len(combos) + 1)}")
    picks = [draw.sample(combos, rounds) for _ in shipped]
    grown = list(shipped)
    for round_ in range(rounds):
        for number, base in enumerate(shipped):
            if len(grown) == size:
                return grown
            grown.append(variant(base, *picks[number][round_], round_ + 1))
    return grown


def variant(base: Phrase, product: int, topic: int, number: int) -> Phrase:
    zh_name, en_name, model = PRODUCTS[product]
    zh_topic, en_topic = TOPICS[topic]
    if base.language == "zh-CN":
        name, about = f"{zh_name} {model}", zh_topic
        title = f"{base.title}（{model}·{about}）"
        text = f"关于您的{name}{about}问题：{base.text}"
    else:
        name, about = f"{en_name} {model}", en_topic
        title = f"{base.title} ({model}, {about})"
        text = f"About your {name} ({about}): {base.text}"
    return replace(base, id=f"{base.id}.v{number}", title=title, text=text)


def search_doc(phrase: Phrase) -> SearchDoc:
    tags = " ".join(phrase.tags)
    return SearchDoc(
        title=phrase.title,
        head=f"{tags} {phrase.scenario.value}",
        body=phrase.text,
        head_keys=pinyin_keys(f"{phrase.title} {tags}"),
        body_keys=pinyin_keys(phrase.text),
    )


def static_score(phrase: Phrase, uses: int) -> float:
    fit = 5.0 if FIT_CATEGORY in phrase.categories else 0.0
    fit += 3.0 if phrase.language == FIT_LANGUAGE else 0.0
    return usage_boost(uses) + fit


def use_counts(phrases: list[Phrase], draw: random.Random) -> dict[str, int]:
    """Most phrases are rarely used, a few very often."""
    return {p.id: 0 if draw.random() < 0.4 else int(draw.expovariate(1 / 15)) for p in phrases}


def measure_search(size: int, seed: int) -> dict[str, Any]:
    draw = random.Random(seed)
    shipped = [p for path in SHIPPED_PHRASES for p in load_phrases(path)]
    phrases = grow_library(shipped, size, draw)
    assert len({p.id for p in phrases}) == len(phrases)  # a broken workload, not a timing

    started = time.perf_counter()
    docs = {p.id: search_doc(p) for p in phrases}  # the store computes these once, on write
    keys_ms = (time.perf_counter() - started) * 1000
    uses = use_counts(phrases, draw)
    statics = {p.id: static_score(p, uses[p.id]) for p in phrases}

    started = time.perf_counter()
    index = SearchIndex(phrases, lambda p: docs[p.id], lambda p: statics[p.id])
    build_ms = (time.perf_counter() - started) * 1000

    import rapidfuzz.process  # noqa: F401  # imported on the first fuzzy search otherwise

    typed: list[float] = []
    slowest = (0.0, "")
    clears: list[float] = []
    search = index.search
    for query in QUERIES:
        for end in range(1, len(query) + 1):
            prefix = query[:end]
            started = time.perf_counter()
            search(prefix, limit=50)
            elapsed = (time.perf_counter() - started) * 1000
            typed.append(elapsed)
            slowest = max(slowest, (elapsed, prefix))
        started = time.perf_counter()
        search("", limit=50)
        clears.append((time.perf_counter() - started) * 1000)
    return {
        "search_ms_p50": round(statistics.median(typed), 3),
        "search_ms_p95": p95(typed),
        "search_ms_max": round(max(typed), 3),
        "search_slowest_prefix": slowest[1],
        "clear_ms_max": round(max(clears), 3),
        "keystrokes": len(typed),
        "queries": len(QUERIES),
        "phrases": len(phrases),
        "index_build_ms": round(build_ms, 2),
        "pinyin_keys_ms": round(keys_ms, 1),
    }


# -- lint -----------------------------------------------------------------------------------------

ZH_RULE_WORDING = (
    "{p}的{t}问题我也不清楚",
    "{p}{t}不归我们管",
    "{p}{t}你找别人吧",
    "{p}{t}是你自己的问题",
    "{p}的{t}我们没办法处理",
    "{p}{t}就是这样的",
    "{p}{t}的事别来问我",
    "{p}的{t}跟我们没关系",
    "{p}{t}你自己去问厂家",
    "{p}{t}早就不管了",
    "{p}{t}催也没用",
    "{p}{t}爱信不信",
)
EN_RULE_WORDING = (
    "{t} on the {p} is not our problem",
    "we don't do {t} for the {p}",
    "{t} for the {p} is not my department",
    "stop asking about {t} on the {p}",
    "the {p} {t} is just like that",
    "{t} for the {p} takes as long as it takes",
    "nobody handles {t} for the {p}",
    "your {p} {t} is not covered, period",
)
ZH_REWRITES = ("我马上帮您确认一下", "这个问题我来跟进，今天下班前给您答复")
EN_REWRITES = ("Let me check that for you now.", "I'll follow this up and call you back today.")


def generate_rules(count: int, draw: random.Random) -> list[BannedRule]:
    """`count` distinct rules naming a product and a topic; about 70% Chinese."""
    zh = [
        (w, p, t) for w in range(len(ZH_RULE_WORDING)) for p in PRODUCTS for t in range(len(TOPICS))
    ]
    en = [
        (w, p, t) for w in range(len(EN_RULE_WORDING)) for p in PRODUCTS for t in range(len(TOPICS))
    ]
    zh_count = min(len(zh), round(count * 0.7))
    en_count = min(len(en), count - zh_count)
    picks = [("zh-CN", pick) for pick in draw.sample(zh, zh_count)]
    picks += [("en", pick) for pick in draw.sample(en, en_count)]
    draw.shuffle(picks)
    return [rule(number, language, *pick, draw) for number, (language, pick) in enumerate(picks)]


def rule(
    number: int,
    language: str,
    wording: int,
    product: tuple[str, str, str],
    topic: int,
    draw: random.Random,
) -> BannedRule:
    zh_name, en_name, model = product
    zh_topic, en_topic = TOPICS[topic]
    chinese = language == "zh-CN"
    wordings = ZH_RULE_WORDING if chinese else EN_RULE_WORDING
    p = draw.choice((model, f"{zh_name} {model}", zh_name)) if chinese else en_name.lower()
    t = zh_topic if chinese else en_topic
    phrases = [wordings[wording].format(p=p, t=t)]
    if draw.random() < 0.3:  # a second wording of the same brush-off
        other = (wording + 1 + draw.randrange(len(wordings) - 1)) % len(wordings)
        phrases.append(wordings[other].format(p=p, t=t))
    patterns: list[str] = []
    if draw.random() < 0.15:
        name, about = re.escape(normalize_phrase(p)), re.escape(normalize_phrase(t))
        if chinese:
            patterns.append(f"{name}(的)?{about}(问题)?(我|我们)?(也)?(不清楚|不知道|管不了)")
        else:
            patterns.append(f"{about}(on|for)?(the)?{name}(isnot|isnt)(our|my)(problem|job)")
    unless: list[str] = []
    if draw.random() < 0.2:
        unless.append(f"虽然{phrases[0]}" if chinese else f"even if {phrases[0]}")
    return BannedRule(
        id=f"gen-{number:03d}",
        rewrites=ZH_REWRITES if chinese else EN_REWRITES,
        reason="推诿，让客户觉得没人负责" if chinese else "Deflects ownership.",
        phrases=tuple(phrases),
        patterns=tuple(patterns),
        unless=tuple(unless),
        variants=chinese and draw.random() < 0.43,
        action=Action.BLOCK if draw.random() < 0.6 else Action.OVERRIDE,
        language=language,
    )


FILLER = (
    "您好，关于您反馈的扫地机器人 X5 无法回充的问题，我已经帮您登记了工单 T-20260114-0087。",
    "根据系统记录，您的订单已于 1 月 12 日签收，退款申请在 1 月 13 日提交，目前处于财务审核阶段。",
    "退款一般会在 3 到 5 个工作日内原路退回，信用卡可能会稍晚一些，请您留意银行的到账短信。",
    "我这边已经为您催促了仓库，加急处理后预计明天下午可以发出。",
    "给您带来不便，非常抱歉，我们会尽快为您处理。",
    "如有不清楚的地方，欢迎随时联系我，我会一直跟进到问题解决。",
    "麻烦您提供一下设备背面的序列号和购买凭证的照片，方便我们为您核实保修状态。",
    "空气净化器 A3 的滤网建议每 6 个月更换一次，您可以在 App 里查看滤网剩余寿命。",
    "我们的工程师会在周四上午 9 点到 12 点之间上门，上门前会提前半小时电话联系您。",
    "发票会在订单完成后 24 小时内开具，电子发票将发送到您预留的邮箱。",
    "备注：客户情绪较激动，已安抚，承诺今天 18:00 前回电说明处理进度。",
    "内部备注：已与售后主管确认，可以为客户申请一次免费换新，需上传开箱视频。",
    "客户表示已经第三次来电，之前两次均未得到答复，建议升级处理。",
    "已核实身份：手机号后四位 8866，收货地址为上海市浦东新区。",
    "物流显示包裹在转运中心滞留两天，已联系快递公司核实，等待回复。",
    "系统显示该设备固件版本为 2.3.1，建议客户先升级到最新版本后再观察。",
    "请您先长按电源键 10 秒重启设备，然后在 App 中重新添加设备试一下。",
    "我已把您的情况完整记录在工单里，接班的同事也能看到全部处理过程。",
    "以旧换新的补贴会在新机签收后 7 天内发放到您的账户余额。",
    "价格保护期内降价的差额，我们会在核实后 2 个工作日内退还给您。",
    "感谢您的耐心等待，处理结果我会第一时间通过短信通知您。",
    "这边帮您申请了 50 元的补偿券，已经发放到您的账户，有效期 30 天。",
    "洗碗机 D7 的安装需要预留进水口和排水口，安装师傅会携带必要的配件。",
    "您反映的噪音问题，我们需要工程师上门检测后才能确定原因。",
    "Customer called about the Robot Vacuum X5 not returning to the dock; ticket T-0087. ",
    "Refund approved on Jan 13, should reach the original card within 3–5 business days. ",
    "Warranty check: the Air Purifier A3 is covered until 2027-03. ",
    "Next step: courier pickup booked for Thursday between 2pm and 5pm. ",
    "Sent the Wi-Fi pairing guide (2.4 GHz only), will follow up tomorrow. ",
    "Thanks for your patience, I'll update you as soon as the warehouse replies. ",
    "Escalated to the after-sales lead; next update due 18:00. ",
    "In no way does this affect your warranty coverage. ",
)
BANNED_SENTENCES = (
    "这个、我也 不清楚，你先 听我说。",  # dont-know, listen-to-me
    "公司規定就是這樣，沒辦法。",  # traditional: rules-are-rules, no-way-zh
    "Please ＣＡＬＭ  ＤＯＷＮ, I'm looking at it now. ",  # en-calm-down
    "这次换新绝对 没问题！",  # overpromise
    "Honestly I don't know when it ships. ",  # en-dont-know
)


def spaced(phrase: str) -> str:
    """A phrase as an agent might type it: ASCII full-width, a space or 、 in the middle."""
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in phrase)
    middle = len(wide) // 2
    return wide[:middle] + ("、" if phrase.isascii() else " ") + wide[middle:]


def draft_sentences(chars: int, generated: list[BannedRule], draw: random.Random) -> list[str]:
    """Sentences adding up to exactly `chars` characters: the banned ones, a few generated rules'
    phrases as typed, and filler drawn at random (the last one cut to fit)."""
    typed = [r for r in generated if not r.unless][:3]
    banned = list(BANNED_SENTENCES)
    banned += [f"{spaced(r.phrases[0])}{'。' if r.language == 'zh-CN' else '. '}" for r in typed]
    sentences = list(banned)
    total = sum(map(len, sentences))
    while total < chars:
        sentence = draw.choice(FILLER)
        sentences.append(sentence)
        total += len(sentence)
    draw.shuffle(sentences)
    excess = total - chars
    while excess > 0:  # cut filler from the end; a banned sentence only when none is left
        filler = [i for i, s in enumerate(sentences) if s not in banned]
        at = filler[-1] if filler else len(sentences) - 1
        cut = min(excess, len(sentences[at]))
        sentences[at] = sentences[at][: len(sentences[at]) - cut]
        excess -= cut
        if not sentences[at]:
            del sentences[at]
    return sentences


def measure_lint(rule_count: int, draft_chars: int, runs: int, seed: int) -> dict[str, Any]:
    draw = random.Random(seed)
    shipped = list(load_rules().rules)[:rule_count]
    generated = generate_rules(max(0, rule_count - len(shipped)), draw)
    rules = shipped + generated
    sentences = draft_sentences(draft_chars, generated, draw)
    drafts = ["".join(sentences[i:] + sentences[:i]) for i in range(len(sentences))]

    started = time.perf_counter()
    ruleset = RuleSet(rules)
    compile_ms = (time.perf_counter() - started) * 1000

    findings = ruleset.check(drafts[0])  # also loads OpenCC, once, as the console does
    samples: list[float] = []
    check = ruleset.check
    for run in range(runs):
        draft = drafts[(run + 1) % len(drafts)]
        started = time.perf_counter()
        check(draft)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "lint_ms_p50": round(statistics.median(samples), 3),
        "lint_ms_p95": p95(samples),
        "lint_ms_max": round(max(samples), 3),
        "lint_runs": runs,
        "rules": len(rules),
        "rules_with_patterns": sum(1 for r in rules if r.patterns),
        "rules_with_variants": sum(1 for r in rules if r.variants),
        "rules_with_unless": sum(1 for r in rules if r.unless),
        "draft_chars": len(drafts[0]),
        "findings": len(findings),
        "findings_rules": sorted({f.rule.id for f in findings}),
        "rules_compile_ms": round(compile_ms, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", type=int, default=5000)
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--draft-chars", type=int, default=2000)
    parser.add_argument("--lint-runs", type=int, default=LINT_RUNS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    figures = measure_search(args.phrases, args.seed)
    figures.update(measure_lint(args.rules, args.draft_chars, args.lint_runs, args.seed))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
