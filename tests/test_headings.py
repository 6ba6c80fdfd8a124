from notebook_publish.normalize import headings
from notebook_publish.normalize.context import context_for_text

CTX = context_for_text()


def fix(text: str) -> str:
    return headings.fix(text, CTX)[0]


def test_unwraps_bold_headings():
    assert fix("### **Blip**") == "### Blip"
    assert fix("## __ML__  ") == "## ML"
    assert fix("# **Title** #") == "# Title"


def test_keeps_partly_bold_headings_and_code():
    assert fix("## **Bold** and plain") == "## **Bold** and plain"
    assert fix("```\n## **not a heading**\n```") == "```\n## **not a heading**\n```"
    assert fix("**DDPM**") == "**DDPM**"
