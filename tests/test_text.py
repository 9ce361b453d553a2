"""Excerpts, reading time, slugs."""
from __future__ import annotations

from mlnotes_site.render.excerpt import Piece, make_excerpt, reading_minutes
from mlnotes_site.slugs import heading_id, tag_slug, url_slug

M = '<span class="math inline">\\(x_t\\)</span>'


def test_short_text_is_kept_whole():
    assert make_excerpt([Piece("短短一句。")], 350) == "短短一句。"


def test_hyphens_and_minus_signs_kept():
    text = "We fine-tune Qwen1.5-7B-Chat and R-CNN with lr = -1 and x-y. " * 20
    out = make_excerpt([Piece(text)], 120)
    assert "Qwen1.5-7B-Chat" in out and "R-CNN" in out and "-1" in out
    assert out.endswith("…")


def test_never_cut_inside_a_formula_or_a_word():
    pieces = [Piece("前文" * 10), Piece(html=M), Piece("后文" * 200)]
    for limit in range(18, 26):
        out = make_excerpt(pieces, limit)
        assert out.count("<span") == out.count("</span>")
    english = make_excerpt([Piece("alpha beta gamma delta epsilon zeta eta theta")], 13)
    assert english in ("alpha beta…", "alpha beta gamma…")
    assert english.rstrip("…").split()[-1] in ("beta", "gamma")


def test_prefers_a_sentence_end_near_the_limit():
    text = "第一句话讲扩散模型的前向过程。" + "第二句话很长" * 30
    out = make_excerpt([Piece(text)], 30)
    assert out == "第一句话讲扩散模型的前向过程。…" or len(out) <= 32
    text = "这是一个足够长的开头句子，用来说明截断规则的行为方式。后面还有很多很多的文字" * 3
    out = make_excerpt([Piece(text)], 40)
    assert out.endswith("。…")


def test_formula_counts_as_a_few_characters():
    pieces = [Piece("a" * 5 + " "), Piece(html=M), Piece(" b")]
    assert make_excerpt(pieces, 12) == "aaaaa " + M + " b"


def test_reading_time():
    assert reading_minutes(0, 0) == 1
    assert reading_minutes(800, 0) == 2
    assert reading_minutes(400, 230) == 2
    assert reading_minutes(4000, 2300) == 20


def test_slugs():
    assert heading_id("反向过程 (Reverse) Process!") == "反向过程-reverse-process"
    assert heading_id("DDIM：确定性采样") == "ddim确定性采样"
    assert url_slug("DDIM 采样?#%") == "ddim-采样"
    assert url_slug("../../etc") == "etc"
    assert tag_slug("Fast Sampling") == "fast-sampling"
    assert tag_slug("扩散") == "扩散"


def test_a_formula_weighs_a_few_characters_or_half_its_glyphs():
    from mlnotes_site.render.excerpt import math_weight

    assert math_weight("x") == math_weight(r"\gamma \|\xi\|_2^2") == 3  # short ones: a few characters
    assert math_weight(r"\begin{cases} 1 & x>0 \\ 0 & \text{otherwise} \end{cases}") > 20  # a row break is a line
    big = r"\mathcal{L} = \mathbb{E}_{t,x_0,\epsilon}\left[\|\epsilon - \epsilon_\theta(x_t, t)\|^2\right]"
    assert 10 <= math_weight(big) <= 20
