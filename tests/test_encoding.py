import pytest

from notebook_publish.normalize import encoding
from notebook_publish.normalize.context import context_for_text

CTX = context_for_text()


def fix(text: str) -> str:
    return encoding.fix(text, CTX)[0]


@pytest.mark.parametrize(
    "broken, repaired",
    [
        ("Train image â‡’ them", "Train image ⇒ them"),
        ("instruct â†’ related text", "instruct → related text"),
        ("Ã©tÃ© Ã  la plage", "été à la plage"),
        ("â€œquotedâ€ and â‡’", "“quoted” and ⇒"),
    ],
)
def test_repairs_mojibake(broken, repaired):
    assert fix(broken) == repaired


def test_restores_math_letters_that_lost_a_byte():
    # UTF-8 F0 9D .. ..: the 0x9D byte has no Windows-1252 character and was dropped.
    assert fix("noise variance ð›½ð‘¡ over ð‘‡ steps") == "noise variance 𝛽𝑡 over 𝑇 steps"


def test_ftfy_alone_would_produce_a_wrong_character():
    import ftfy

    assert "\U000111e0" in ftfy.fix_text("over ð‘‡ steps", encoding.FTFY_CONFIG)
    assert "\U000111e0" not in fix("over ð‘‡ steps")


@pytest.mark.parametrize(
    "text",
    [
        "Café crème, à la française : « naïve » façade, Noël.",
        "Größe über Straße; Fußgänger äußern Ärger.",
        "机器学习笔记：注意力机制与扩散模型。",
        "Η μηχανική μάθηση είναι ωραία· αλφα βήτα γάμμα.",
        "Emoji: 👍🏽 🎉 🧑‍💻 ❤️",
        "Curly “quotes” and ‘single’ stay curly; ﬁ ligature and ＡＢＣ full width stay.",
        "HTML entities stay: &lt;b&gt; &amp; &nbsp;",
        "𝛽𝑡 and 𝑇 already right ⇒ →",
    ],
)
def test_clean_text_is_byte_identical(text):
    repaired, diagnostics = encoding.fix(text, CTX)
    assert repaired.encode("utf-8") == text.encode("utf-8")
    assert diagnostics == []


def test_reports_the_first_repaired_line():
    _, diagnostics = encoding.fix("fine\nalso fine\nbroken â‡’ here\n", CTX)
    assert [(d.code, d.line) for d in diagnostics] == [("mojibake", 3)]
